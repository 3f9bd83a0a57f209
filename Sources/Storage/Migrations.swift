import GRDB

/// The schema, as an append-only list of migrations.
///
/// Order is important. Add new migrations at the end of the list; never edit one that has shipped.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("001-accounts-and-connections", migrate: accountsAndConnections)
        migrator.registerMigration("002-api-keys-and-profiles", migrate: apiKeysAndProfiles)
        migrator.registerMigration("003-canvases-and-steps", migrate: canvasesAndSteps)
        migrator.registerMigration("004-entries-items-metrics", migrate: entriesItemsMetrics)
        migrator.registerMigration("005-sync-queue", migrate: syncQueue)
        migrator.registerMigration("006-ledger-and-activity", migrate: ledgerAndActivity)
        migrator.registerMigration("007-account-call-budget", migrate: accountCallBudget)
        migrator.registerMigration("008-alerts-and-outbox", migrate: alertsAndOutbox)
        migrator.registerMigration("009-step-item-counts", migrate: stepItemCounts)
        migrator.registerMigration("010-pro-partners", migrate: proPartners)
        migrator.registerMigration("011-refresh-tokens", migrate: refreshTokens)
        migrator.registerMigration("012-segments", migrate: segments)
        migrator.registerMigration("013-segment-exports", migrate: segmentExports)
        migrator.registerMigration("014-profile-imports", migrate: profileImports)
        migrator.registerMigration("015-maintenance-checks", migrate: maintenanceChecks)
        migrator.registerMigration("016-consent-policy", migrate: consentPolicy)
        migrator.registerMigration("017-profile-events-and-purchases", migrate: profileEventsAndPurchases)
        migrator.registerMigration("018-canvas-entry-action", migrate: canvasEntryAction)
        migrator.registerMigration("019-export-alerts", migrate: exportAlerts)
        migrator.registerMigration("020-ids-never-reused", migrate: idsNeverReused)
        migrator.registerMigration("021-html-emails", migrate: htmlEmails)
        migrator.registerMigration("022-segment-sizes", migrate: segmentSizes)
        migrator.registerMigration("023-step-metric-totals", migrate: stepMetricTotals)
        migrator.registerMigration("024-ledger-cutoff", migrate: ledgerCutoff)
        migrator.registerMigration("025-canvas-entry-figures", migrate: canvasEntryFigures)
        migrator.registerMigration("026-sync-chunks", migrate: syncChunks)
        migrator.registerMigration("027-ad-account-facts", migrate: adAccountFacts)
        migrator.registerMigration("028-consent-version", migrate: consentVersion)
        return migrator
    }

    private static func accountsAndConnections(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE workspace (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE CHECK (length(trim(name)) BETWEEN 1 AND 80),
                created_at REAL NOT NULL
            );
            CREATE TABLE dashboard_user (
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                email TEXT NOT NULL UNIQUE CHECK (email = lower(email) AND instr(email, '@') > 1),
                password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
                role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
                created_at REAL NOT NULL
            );
            CREATE INDEX dashboard_user_workspace ON dashboard_user(workspace_id);
            CREATE TABLE session (
                id_hash TEXT PRIMARY KEY CHECK (length(id_hash) = 64),
                user_id INTEGER NOT NULL REFERENCES dashboard_user(id) ON DELETE CASCADE,
                csrf_token TEXT NOT NULL CHECK (length(csrf_token) >= 32),
                created_at REAL NOT NULL,
                last_seen_at REAL NOT NULL
            );
            CREATE INDEX session_user ON session(user_id);
            CREATE TABLE sign_in_failure (
                id INTEGER PRIMARY KEY,
                account TEXT NOT NULL,
                address TEXT NOT NULL,
                at REAL NOT NULL
            );
            CREATE INDEX sign_in_failure_account ON sign_in_failure(account, at);
            CREATE INDEX sign_in_failure_address ON sign_in_failure(address, at);
            CREATE TABLE oauth_state (
                state_hash TEXT PRIMARY KEY CHECK (length(state_hash) = 64),
                session_hash TEXT NOT NULL,
                partner TEXT NOT NULL,
                created_at REAL NOT NULL
            );
            CREATE TABLE connection (
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                partner TEXT NOT NULL,
                token_kind TEXT NOT NULL CHECK (token_kind IN ('oauth', 'system_user')),
                sealed_token BLOB NOT NULL,
                expires_at REAL,
                status TEXT NOT NULL CHECK (status IN ('valid', 'invalid')),
                status_message TEXT,
                partner_user_name TEXT,
                connected_by INTEGER REFERENCES dashboard_user(id) ON DELETE SET NULL,
                connected_at REAL NOT NULL,
                checked_at REAL,
                UNIQUE (workspace_id, partner)
            );
            CREATE TABLE ad_account (
                id INTEGER PRIMARY KEY,
                connection_id INTEGER NOT NULL REFERENCES connection(id) ON DELETE CASCADE,
                external_id TEXT NOT NULL,
                name TEXT NOT NULL,
                currency TEXT,
                terms_accepted INTEGER CHECK (terms_accepted IN (0, 1)),
                is_accessible INTEGER NOT NULL DEFAULT 1 CHECK (is_accessible IN (0, 1)),
                checked_at REAL,
                UNIQUE (connection_id, external_id)
            );
            """)
    }

    private static func apiKeysAndProfiles(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE api_key (
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 80),
                key_hash TEXT NOT NULL UNIQUE CHECK (length(key_hash) = 64),
                key_prefix TEXT NOT NULL,
                created_by INTEGER REFERENCES dashboard_user(id) ON DELETE SET NULL,
                created_at REAL NOT NULL,
                revoked_at REAL
            );
            CREATE INDEX api_key_workspace ON api_key(workspace_id);
            CREATE TABLE profile (
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                external_id TEXT NOT NULL CHECK (length(external_id) BETWEEN 1 AND 512),
                attributes TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes) AND json_type(attributes) = 'object'),
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                UNIQUE (workspace_id, external_id)
            );
            """)
    }

    private static func canvasesAndSteps(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE canvas (
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 120),
                status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'stopped')),
                entry_criteria TEXT NOT NULL DEFAULT '{"groups":[]}' CHECK (json_valid(entry_criteria)),
                auto_enter INTEGER NOT NULL DEFAULT 0 CHECK (auto_enter IN (0, 1)),
                created_by INTEGER REFERENCES dashboard_user(id) ON DELETE SET NULL,
                launched_by INTEGER REFERENCES dashboard_user(id) ON DELETE SET NULL,
                created_at REAL NOT NULL,
                launched_at REAL
            );
            CREATE INDEX canvas_workspace ON canvas(workspace_id);
            CREATE TABLE canvas_step (
                id INTEGER PRIMARY KEY,
                canvas_id INTEGER NOT NULL REFERENCES canvas(id) ON DELETE CASCADE,
                position INTEGER NOT NULL CHECK (position >= 0),
                kind TEXT NOT NULL CHECK (kind IN ('audience_sync', 'delay')),
                delay_seconds INTEGER CHECK ((kind = 'delay') = (delay_seconds IS NOT NULL) AND coalesce(delay_seconds, 1) > 0),
                partner TEXT,
                ad_account_id TEXT,
                audience_mode TEXT CHECK (audience_mode IN ('new', 'existing', 'from_step')),
                audience_name TEXT,
                audience_external_id TEXT,
                audience_source_step INTEGER REFERENCES canvas_step(id) ON DELETE SET NULL,
                audience_creation_key TEXT UNIQUE,
                action TEXT NOT NULL DEFAULT 'add' CHECK (action IN ('add', 'remove')),
                fields TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(fields) AND json_type(fields) = 'array')
            );
            CREATE INDEX canvas_step_canvas ON canvas_step(canvas_id, position);
            """)
    }

    private static func entriesItemsMetrics(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE canvas_entry (
                id INTEGER PRIMARY KEY,
                canvas_id INTEGER NOT NULL REFERENCES canvas(id) ON DELETE CASCADE,
                external_id TEXT NOT NULL,
                position INTEGER NOT NULL CHECK (position >= 0),
                due_at REAL NOT NULL,
                entered_at REAL NOT NULL
            );
            CREATE INDEX canvas_entry_due ON canvas_entry(due_at);
            CREATE TABLE sync_item (
                id INTEGER PRIMARY KEY,
                step_id INTEGER NOT NULL REFERENCES canvas_step(id) ON DELETE CASCADE,
                external_id TEXT NOT NULL,
                schema TEXT NOT NULL CHECK (json_valid(schema) AND json_type(schema) = 'array'),
                row TEXT NOT NULL CHECK (json_valid(row) AND json_type(row) = 'array' AND json_array_length(row) = json_array_length(schema)),
                state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'synced', 'errored')),
                created_at REAL NOT NULL
            );
            CREATE INDEX sync_item_pending ON sync_item(step_id, state);
            CREATE TABLE step_metric (
                step_id INTEGER NOT NULL REFERENCES canvas_step(id) ON DELETE CASCADE,
                metric TEXT NOT NULL,
                hour INTEGER NOT NULL,
                count INTEGER NOT NULL CHECK (count >= 0),
                PRIMARY KEY (step_id, metric, hour)
            ) WITHOUT ROWID;
            """)
    }

    /// Leases and fencing for the sync queue (design.md §3), and the per-account throttle that survives restarts.
    private static func syncQueue(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE sync_item ADD COLUMN claim_id TEXT;
            ALTER TABLE sync_item ADD COLUMN lease_until REAL;
            ALTER TABLE sync_item ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0);
            ALTER TABLE sync_item ADD COLUMN first_attempt_at REAL;
            ALTER TABLE sync_item ADD COLUMN next_attempt_at REAL NOT NULL DEFAULT 0;
            ALTER TABLE sync_item ADD COLUMN error_class TEXT;
            ALTER TABLE sync_item ADD COLUMN last_error TEXT;
            ALTER TABLE sync_item ADD COLUMN finished_at REAL;
            CREATE INDEX sync_item_due ON sync_item(state, next_attempt_at, step_id);
            CREATE TABLE account_throttle (
                partner TEXT NOT NULL,
                account TEXT NOT NULL,
                until REAL NOT NULL,
                reason TEXT,
                PRIMARY KEY (partner, account)
            ) WITHOUT ROWID;
            """)
    }

    /// The per-user sync ledger (field names only, never values) and the per-destination request log.
    private static func ledgerAndActivity(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE sync_attempt (
                id INTEGER PRIMARY KEY,
                item_id INTEGER NOT NULL,
                step_id INTEGER NOT NULL REFERENCES canvas_step(id) ON DELETE CASCADE,
                external_id TEXT NOT NULL,
                at REAL NOT NULL,
                outcome TEXT NOT NULL CHECK (outcome IN ('synced', 'retry', 'errored')),
                error_class TEXT,
                message TEXT,
                fields TEXT NOT NULL
            );
            CREATE INDEX sync_attempt_user ON sync_attempt(external_id, at);
            CREATE INDEX sync_attempt_at ON sync_attempt(at);
            CREATE TABLE sync_request (
                id INTEGER PRIMARY KEY,
                step_id INTEGER NOT NULL REFERENCES canvas_step(id) ON DELETE CASCADE,
                at REAL NOT NULL,
                users INTEGER NOT NULL CHECK (users >= 0),
                outcome TEXT NOT NULL,
                summary TEXT NOT NULL,
                latency_ms INTEGER NOT NULL CHECK (latency_ms >= 0)
            );
            CREATE INDEX sync_request_step ON sync_request(step_id, at);
            """)
    }

    /// Calls per partner ad account per minute, so the hourly budget holds across restarts.
    private static func accountCallBudget(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE account_call (
                partner TEXT NOT NULL,
                account TEXT NOT NULL,
                minute INTEGER NOT NULL,
                calls INTEGER NOT NULL CHECK (calls > 0),
                PRIMARY KEY (partner, account, minute)
            ) WITHOUT ROWID;
            """)
    }

    /// Problems emailed once when they start and once when they clear, extra recipients per kind, the outbox
    /// every email goes through (sent by SMTP when configured, shown in the dashboard either way), and the
    /// partner's own figures per step (rows received and judged invalid, the audience's estimated size).
    private static func alertsAndOutbox(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE alert (
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                key TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('integration', 'step')),
                subject_id INTEGER NOT NULL,
                error_class TEXT NOT NULL,
                title TEXT NOT NULL,
                detail TEXT NOT NULL,
                link TEXT NOT NULL,
                opened_at REAL NOT NULL,
                cleared_at REAL
            );
            CREATE UNIQUE INDEX alert_open ON alert(key) WHERE cleared_at IS NULL;
            CREATE INDEX alert_workspace ON alert(workspace_id, opened_at);
            CREATE TABLE notification_recipient (
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                kind TEXT NOT NULL CHECK (kind IN ('integration', 'step')),
                email TEXT NOT NULL CHECK (email = lower(email) AND instr(email, '@') > 1 AND length(email) <= 254),
                created_at REAL NOT NULL,
                UNIQUE (workspace_id, kind, email)
            );
            CREATE TABLE outbox (
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                alert_id INTEGER REFERENCES alert(id) ON DELETE SET NULL,
                recipient TEXT NOT NULL CHECK (instr(recipient, '@') > 1),
                subject TEXT NOT NULL,
                body TEXT NOT NULL,
                created_at REAL NOT NULL,
                state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                next_attempt_at REAL NOT NULL DEFAULT 0,
                last_error TEXT,
                sent_at REAL
            );
            CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
            CREATE INDEX outbox_workspace ON outbox(workspace_id, created_at);
            CREATE TABLE step_partner_figures (
                step_id INTEGER PRIMARY KEY REFERENCES canvas_step(id) ON DELETE CASCADE,
                received INTEGER NOT NULL DEFAULT 0 CHECK (received >= 0),
                invalid INTEGER NOT NULL DEFAULT 0 CHECK (invalid >= 0),
                size_lower INTEGER,
                size_upper INTEGER,
                size_checked_at REAL
            );
            """)
    }

    /// Items per step and state, kept by the store in the same transaction as every insert and state change
    /// (one counter update per step and statement, not per item), so the figures on pages cost one row read
    /// however many users a step has had. Items are only deleted with their step, which deletes its counters.
    private static func stepItemCounts(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE step_item_count (
                step_id INTEGER NOT NULL REFERENCES canvas_step(id) ON DELETE CASCADE,
                state TEXT NOT NULL,
                count INTEGER NOT NULL CHECK (count >= 0),
                PRIMARY KEY (step_id, state)
            ) WITHOUT ROWID;
            INSERT INTO step_item_count (step_id, state, count) SELECT step_id, state, count(*) FROM sync_item GROUP BY step_id, state;
            """)
    }

    /// The Pro partners enabled for the whole installation (Audience Sync Pro allotments).
    private static func proPartners(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE pro_partner (
                partner TEXT PRIMARY KEY CHECK (partner IN ('tiktok', 'pinterest', 'snapchat', 'criteo', 'linkedin')),
                enabled_by INTEGER REFERENCES dashboard_user(id) ON DELETE SET NULL,
                enabled_at REAL NOT NULL
            ) WITHOUT ROWID;
            """)
    }

    /// Refresh tokens (sealed like access tokens) for partners that issue them, with their expiry where known.
    private static func refreshTokens(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE connection ADD COLUMN sealed_refresh_token BLOB;
            ALTER TABLE connection ADD COLUMN refresh_expires_at REAL;
            """)
    }

    /// Segments: named criteria over profiles, unique by name (any case) in a workspace.
    private static func segments(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE segment (
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 120),
                criteria TEXT NOT NULL DEFAULT '{"groups":[]}' CHECK (json_valid(criteria)),
                created_by INTEGER REFERENCES dashboard_user(id) ON DELETE SET NULL,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE UNIQUE INDEX segment_name ON segment(workspace_id, name COLLATE NOCASE);
            """)
    }

    /// One-time exports of a segment to new Facebook audiences: the snapshot (criteria, last profile row, total)
    /// and, per audience, a cursor advanced with its counts in the same transaction as each acknowledged batch.
    private static func segmentExports(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE segment_export (
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                segment_id INTEGER REFERENCES segment(id) ON DELETE SET NULL,
                segment_name TEXT NOT NULL,
                criteria TEXT NOT NULL CHECK (json_valid(criteria)),
                last_profile_row INTEGER NOT NULL CHECK (last_profile_row >= 0),
                ad_account_id TEXT NOT NULL,
                started_by INTEGER REFERENCES dashboard_user(id) ON DELETE SET NULL,
                started_at REAL NOT NULL,
                finished_at REAL,
                status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
                error TEXT,
                total INTEGER NOT NULL CHECK (total >= 0)
            );
            CREATE INDEX segment_export_segment ON segment_export(segment_id, started_at);
            CREATE INDEX segment_export_running ON segment_export(status) WHERE status = 'running';
            CREATE TABLE segment_export_audience (
                export_id INTEGER NOT NULL REFERENCES segment_export(id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                field TEXT NOT NULL CHECK (field IN ('idfa', 'phone', 'email')),
                name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 200),
                audience_id TEXT,
                cursor INTEGER NOT NULL DEFAULT 0,
                sent INTEGER NOT NULL DEFAULT 0 CHECK (sent >= 0),
                skipped INTEGER NOT NULL DEFAULT 0 CHECK (skipped >= 0),
                failed INTEGER NOT NULL DEFAULT 0 CHECK (failed >= 0),
                complete INTEGER NOT NULL DEFAULT 0 CHECK (complete IN (0, 1)),
                PRIMARY KEY (export_id, field)
            ) WITHOUT ROWID;
            """)
    }

    /// CSV imports of profiles: where each upload is, how far it got (the next row's offset and line), its counts.
    private static func profileImports(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE profile_import (
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                filename TEXT NOT NULL,
                path TEXT NOT NULL,
                start_offset INTEGER NOT NULL CHECK (start_offset >= 0),
                end_offset INTEGER NOT NULL CHECK (end_offset >= start_offset),
                header TEXT NOT NULL CHECK (json_valid(header)),
                started_by INTEGER REFERENCES dashboard_user(id) ON DELETE SET NULL,
                started_at REAL NOT NULL,
                finished_at REAL,
                status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
                error TEXT,
                offset INTEGER NOT NULL,
                next_line INTEGER NOT NULL,
                rows_imported INTEGER NOT NULL DEFAULT 0 CHECK (rows_imported >= 0),
                rows_rejected INTEGER NOT NULL DEFAULT 0 CHECK (rows_rejected >= 0),
                rejects_bytes INTEGER NOT NULL DEFAULT 0 CHECK (rejects_bytes >= 0)
            );
            CREATE INDEX profile_import_workspace ON profile_import(workspace_id, id);
            """)
    }

    /// The last result of each periodic check of the database itself (the daily `integrity_check`).
    private static func maintenanceChecks(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE maintenance_check (
                name TEXT PRIMARY KEY,
                checked_at REAL NOT NULL,
                result TEXT NOT NULL,
                seconds REAL NOT NULL CHECK (seconds >= 0)
            ) WITHOUT ROWID;
            """)
    }

    /// The workspace consent policy (no row: `ConsentPolicy.standard`, so existing workspaces get it with this
    /// migration), the users it kept from a step (for the ledger, pruned with it), an export's users it kept back, the
    /// queue of removals from audiences (a user withdrew consent, or was erased), erasure tombstones (a keyed hash
    /// of the external id, never the id), and indexes that find one user's sync items and delayed entries (a withdrawal or an erasure reads them per user: without them each user
    /// cost a scan of the whole queue, minutes per 1,000 users beside a million queued ones, found by the crash matrix).
    private static func consentPolicy(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE consent_policy (
                workspace_id INTEGER PRIMARY KEY REFERENCES workspace(id) ON DELETE CASCADE,
                policy TEXT NOT NULL CHECK (json_valid(policy) AND json_type(policy, '$.conditions') = 'array'),
                updated_at REAL NOT NULL,
                updated_by INTEGER REFERENCES dashboard_user(id) ON DELETE SET NULL
            );
            CREATE TABLE sync_block (
                id INTEGER PRIMARY KEY,
                step_id INTEGER NOT NULL REFERENCES canvas_step(id) ON DELETE CASCADE,
                external_id TEXT NOT NULL,
                at REAL NOT NULL,
                reason TEXT NOT NULL
            );
            CREATE INDEX sync_block_user ON sync_block(external_id, at);
            CREATE INDEX sync_block_at ON sync_block(at);
            CREATE INDEX sync_block_step ON sync_block(step_id, reason);
            ALTER TABLE segment_export_audience ADD COLUMN skipped_no_consent INTEGER NOT NULL DEFAULT 0 CHECK (skipped_no_consent >= 0);
            CREATE TABLE removal_item (
                id INTEGER PRIMARY KEY,
                step_id INTEGER REFERENCES canvas_step(id) ON DELETE CASCADE,
                export_id INTEGER REFERENCES segment_export(id) ON DELETE CASCADE,
                export_field TEXT CHECK (export_field IN ('idfa', 'phone', 'email')),
                subject TEXT NOT NULL,
                reason TEXT NOT NULL CHECK (reason IN ('consent_withdrawn', 'erased')),
                schema TEXT NOT NULL CHECK (json_valid(schema) AND json_type(schema) = 'array'),
                row TEXT NOT NULL CHECK (json_valid(row) AND json_type(row) = 'array' AND json_array_length(row) = json_array_length(schema)),
                state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'removed', 'errored')),
                claim_id TEXT,
                lease_until REAL,
                attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                first_attempt_at REAL,
                next_attempt_at REAL NOT NULL DEFAULT 0,
                error_class TEXT,
                last_error TEXT,
                created_at REAL NOT NULL,
                finished_at REAL,
                CHECK ((step_id IS NULL) != (export_id IS NULL) AND (export_id IS NULL) = (export_field IS NULL))
            );
            CREATE INDEX removal_item_export ON removal_item(export_id, state);
            CREATE INDEX removal_item_due ON removal_item(state, next_attempt_at, step_id);
            CREATE INDEX removal_item_subject ON removal_item(subject);
            CREATE INDEX removal_item_step ON removal_item(step_id, state);
            CREATE INDEX removal_item_claim ON removal_item(claim_id) WHERE claim_id IS NOT NULL;
            CREATE INDEX sync_item_user ON sync_item(external_id, step_id);
            CREATE INDEX canvas_entry_user ON canvas_entry(external_id);
            CREATE TABLE erasure (
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                subject TEXT NOT NULL,
                erased_at REAL NOT NULL,
                removals INTEGER NOT NULL CHECK (removals >= 0),
                PRIMARY KEY (workspace_id, subject)
            ) WITHOUT ROWID;
            """)
    }

    /// Custom events and purchases sent with `/users/track` (Braze's `events` and `purchases`), one row each, on
    /// the profile they happened to: deleting the profile deletes them. Times are Unix seconds; `properties` a JSON
    /// object or NULL. Indexed by profile and name/product then time, for "performed X in the last N days" and
    /// "purchased Y" per user.
    private static func profileEventsAndPurchases(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE profile_event (
                id INTEGER PRIMARY KEY,
                profile_id INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
                name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
                time REAL NOT NULL,
                properties TEXT CHECK (properties IS NULL OR (json_valid(properties) AND json_type(properties) = 'object')),
                received_at REAL NOT NULL
            );
            CREATE INDEX profile_event_by_name ON profile_event(profile_id, name, time);
            CREATE TABLE profile_purchase (
                id INTEGER PRIMARY KEY,
                profile_id INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
                product_id TEXT NOT NULL CHECK (length(product_id) BETWEEN 1 AND 255),
                price REAL NOT NULL,
                currency TEXT NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
                quantity INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 100),
                time REAL NOT NULL,
                properties TEXT CHECK (properties IS NULL OR (json_valid(properties) AND json_type(properties) = 'object')),
                received_at REAL NOT NULL
            );
            CREATE INDEX profile_purchase_by_product ON profile_purchase(profile_id, product_id, time);
            """)
    }

    /// Action-based entry: the event (or purchase, of a product or any) that enters users into the canvas.
    private static func canvasEntryAction(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE canvas ADD COLUMN entry_action TEXT CHECK (entry_action IS NULL OR entry_action IN ('event', 'purchase'));
            ALTER TABLE canvas ADD COLUMN entry_action_name TEXT CHECK (entry_action_name IS NULL OR length(entry_action_name) BETWEEN 1 AND 255);
            """)
    }

    /// Alerts (and their recipients) may be about a segment export: removals from its audience that Facebook kept
    /// refusing. SQLite cannot change a CHECK in place, so both tables are rebuilt with their rows, ids and indexes
    /// (foreign keys are off while a migration runs, and checked after it).
    private static func exportAlerts(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE alert_new (
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                key TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('integration', 'step', 'export')),
                subject_id INTEGER NOT NULL,
                error_class TEXT NOT NULL,
                title TEXT NOT NULL,
                detail TEXT NOT NULL,
                link TEXT NOT NULL,
                opened_at REAL NOT NULL,
                cleared_at REAL
            );
            INSERT INTO alert_new SELECT id, workspace_id, key, kind, subject_id, error_class, title, detail, link, opened_at, cleared_at FROM alert;
            DROP TABLE alert;
            ALTER TABLE alert_new RENAME TO alert;
            CREATE UNIQUE INDEX alert_open ON alert(key) WHERE cleared_at IS NULL;
            CREATE INDEX alert_workspace ON alert(workspace_id, opened_at);
            CREATE TABLE notification_recipient_new (
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                kind TEXT NOT NULL CHECK (kind IN ('integration', 'step', 'export')),
                email TEXT NOT NULL CHECK (email = lower(email) AND instr(email, '@') > 1 AND length(email) <= 254),
                created_at REAL NOT NULL,
                UNIQUE (workspace_id, kind, email)
            );
            INSERT INTO notification_recipient_new SELECT id, workspace_id, kind, email, created_at FROM notification_recipient;
            DROP TABLE notification_recipient;
            ALTER TABLE notification_recipient_new RENAME TO notification_recipient;
            """)
    }

    /// Each segment's size at its last count, and when that was: the segment list shows it rather than counting
    /// every segment on every view (see `Store.recountSegment`).
    private static func segmentSizes(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE segment ADD COLUMN size INTEGER CHECK (size IS NULL OR size >= 0);
            ALTER TABLE segment ADD COLUMN size_counted_at REAL CHECK ((size IS NULL) = (size_counted_at IS NULL));
            """)
    }

    /// Emails carry an HTML alternative beside their text (with real links). Emails queued before have none and
    /// go as plain text.
    private static func htmlEmails(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE outbox ADD COLUMN html TEXT")
    }

    /// Every table whose ids appear in a URL or an API answer becomes `AUTOINCREMENT`: without it SQLite gives the
    /// next row max(rowid) + 1, so deleting the newest canvas handed its id to the next one, and an API caller (or a
    /// bookmark, or a confirmation page left open) holding the old id reached a different canvas.
    ///
    /// SQLite cannot add `AUTOINCREMENT` in place, so each table is rebuilt the documented way (create the new
    /// table, copy every row, drop the old one, rename, recreate its indexes), as migration 019 does. GRDB runs a
    /// migration with foreign keys off and checks them all (`foreign_key_check`) before it commits, so dropping a
    /// parent cascades nothing and a dangling reference fails the migration. Other tables refer to these by name,
    /// so their foreign keys hold after the rename. Columns, checks and defaults are as the earlier migrations left
    /// them (columns added with `ALTER TABLE` stay last); `IdReuseTests` compares the schema before and after.
    /// The copied rows set each table's counter to its largest id; an id deleted before this migration ran may
    /// still be given once more, since nothing remembers it.
    private static func idsNeverReused(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE ad_account_new (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                connection_id INTEGER NOT NULL REFERENCES connection(id) ON DELETE CASCADE,
                external_id TEXT NOT NULL,
                name TEXT NOT NULL,
                currency TEXT,
                terms_accepted INTEGER CHECK (terms_accepted IN (0, 1)),
                is_accessible INTEGER NOT NULL DEFAULT 1 CHECK (is_accessible IN (0, 1)),
                checked_at REAL,
                UNIQUE (connection_id, external_id)
            );
            INSERT INTO ad_account_new (id, connection_id, external_id, name, currency, terms_accepted, is_accessible, checked_at)
                SELECT id, connection_id, external_id, name, currency, terms_accepted, is_accessible, checked_at FROM ad_account;
            DROP TABLE ad_account;
            ALTER TABLE ad_account_new RENAME TO ad_account;

            CREATE TABLE api_key_new (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 80),
                key_hash TEXT NOT NULL UNIQUE CHECK (length(key_hash) = 64),
                key_prefix TEXT NOT NULL,
                created_by INTEGER REFERENCES dashboard_user(id) ON DELETE SET NULL,
                created_at REAL NOT NULL,
                revoked_at REAL
            );
            INSERT INTO api_key_new (id, workspace_id, name, key_hash, key_prefix, created_by, created_at, revoked_at)
                SELECT id, workspace_id, name, key_hash, key_prefix, created_by, created_at, revoked_at FROM api_key;
            DROP TABLE api_key;
            ALTER TABLE api_key_new RENAME TO api_key;
            CREATE INDEX api_key_workspace ON api_key(workspace_id);

            CREATE TABLE canvas_new (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 120),
                status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'stopped')),
                entry_criteria TEXT NOT NULL DEFAULT '{"groups":[]}' CHECK (json_valid(entry_criteria)),
                auto_enter INTEGER NOT NULL DEFAULT 0 CHECK (auto_enter IN (0, 1)),
                created_by INTEGER REFERENCES dashboard_user(id) ON DELETE SET NULL,
                launched_by INTEGER REFERENCES dashboard_user(id) ON DELETE SET NULL,
                created_at REAL NOT NULL,
                launched_at REAL,
                entry_action TEXT CHECK (entry_action IS NULL OR entry_action IN ('event', 'purchase')),
                entry_action_name TEXT CHECK (entry_action_name IS NULL OR length(entry_action_name) BETWEEN 1 AND 255)
            );
            INSERT INTO canvas_new (id, workspace_id, name, status, entry_criteria, auto_enter, created_by, launched_by, created_at,
                                    launched_at, entry_action, entry_action_name)
                SELECT id, workspace_id, name, status, entry_criteria, auto_enter, created_by, launched_by, created_at,
                       launched_at, entry_action, entry_action_name FROM canvas;
            DROP TABLE canvas;
            ALTER TABLE canvas_new RENAME TO canvas;
            CREATE INDEX canvas_workspace ON canvas(workspace_id);

            CREATE TABLE canvas_step_new (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                canvas_id INTEGER NOT NULL REFERENCES canvas(id) ON DELETE CASCADE,
                position INTEGER NOT NULL CHECK (position >= 0),
                kind TEXT NOT NULL CHECK (kind IN ('audience_sync', 'delay')),
                delay_seconds INTEGER CHECK ((kind = 'delay') = (delay_seconds IS NOT NULL) AND coalesce(delay_seconds, 1) > 0),
                partner TEXT,
                ad_account_id TEXT,
                audience_mode TEXT CHECK (audience_mode IN ('new', 'existing', 'from_step')),
                audience_name TEXT,
                audience_external_id TEXT,
                audience_source_step INTEGER REFERENCES canvas_step(id) ON DELETE SET NULL,
                audience_creation_key TEXT UNIQUE,
                action TEXT NOT NULL DEFAULT 'add' CHECK (action IN ('add', 'remove')),
                fields TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(fields) AND json_type(fields) = 'array')
            );
            INSERT INTO canvas_step_new (id, canvas_id, position, kind, delay_seconds, partner, ad_account_id, audience_mode, audience_name,
                                         audience_external_id, audience_source_step, audience_creation_key, action, fields)
                SELECT id, canvas_id, position, kind, delay_seconds, partner, ad_account_id, audience_mode, audience_name,
                       audience_external_id, audience_source_step, audience_creation_key, action, fields FROM canvas_step;
            DROP TABLE canvas_step;
            ALTER TABLE canvas_step_new RENAME TO canvas_step;
            CREATE INDEX canvas_step_canvas ON canvas_step(canvas_id, position);

            CREATE TABLE notification_recipient_new (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                kind TEXT NOT NULL CHECK (kind IN ('integration', 'step', 'export')),
                email TEXT NOT NULL CHECK (email = lower(email) AND instr(email, '@') > 1 AND length(email) <= 254),
                created_at REAL NOT NULL,
                UNIQUE (workspace_id, kind, email)
            );
            INSERT INTO notification_recipient_new (id, workspace_id, kind, email, created_at)
                SELECT id, workspace_id, kind, email, created_at FROM notification_recipient;
            DROP TABLE notification_recipient;
            ALTER TABLE notification_recipient_new RENAME TO notification_recipient;

            CREATE TABLE profile_import_new (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                filename TEXT NOT NULL,
                path TEXT NOT NULL,
                start_offset INTEGER NOT NULL CHECK (start_offset >= 0),
                end_offset INTEGER NOT NULL CHECK (end_offset >= start_offset),
                header TEXT NOT NULL CHECK (json_valid(header)),
                started_by INTEGER REFERENCES dashboard_user(id) ON DELETE SET NULL,
                started_at REAL NOT NULL,
                finished_at REAL,
                status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
                error TEXT,
                offset INTEGER NOT NULL,
                next_line INTEGER NOT NULL,
                rows_imported INTEGER NOT NULL DEFAULT 0 CHECK (rows_imported >= 0),
                rows_rejected INTEGER NOT NULL DEFAULT 0 CHECK (rows_rejected >= 0),
                rejects_bytes INTEGER NOT NULL DEFAULT 0 CHECK (rejects_bytes >= 0)
            );
            INSERT INTO profile_import_new (id, workspace_id, filename, path, start_offset, end_offset, header, started_by, started_at,
                                            finished_at, status, error, offset, next_line, rows_imported, rows_rejected, rejects_bytes)
                SELECT id, workspace_id, filename, path, start_offset, end_offset, header, started_by, started_at,
                       finished_at, status, error, offset, next_line, rows_imported, rows_rejected, rejects_bytes FROM profile_import;
            DROP TABLE profile_import;
            ALTER TABLE profile_import_new RENAME TO profile_import;
            CREATE INDEX profile_import_workspace ON profile_import(workspace_id, id);

            CREATE TABLE segment_new (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 120),
                criteria TEXT NOT NULL DEFAULT '{"groups":[]}' CHECK (json_valid(criteria)),
                created_by INTEGER REFERENCES dashboard_user(id) ON DELETE SET NULL,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            INSERT INTO segment_new (id, workspace_id, name, criteria, created_by, created_at, updated_at)
                SELECT id, workspace_id, name, criteria, created_by, created_at, updated_at FROM segment;
            DROP TABLE segment;
            ALTER TABLE segment_new RENAME TO segment;
            CREATE UNIQUE INDEX segment_name ON segment(workspace_id, name COLLATE NOCASE);

            CREATE TABLE segment_export_new (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
                segment_id INTEGER REFERENCES segment(id) ON DELETE SET NULL,
                segment_name TEXT NOT NULL,
                criteria TEXT NOT NULL CHECK (json_valid(criteria)),
                last_profile_row INTEGER NOT NULL CHECK (last_profile_row >= 0),
                ad_account_id TEXT NOT NULL,
                started_by INTEGER REFERENCES dashboard_user(id) ON DELETE SET NULL,
                started_at REAL NOT NULL,
                finished_at REAL,
                status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
                error TEXT,
                total INTEGER NOT NULL CHECK (total >= 0)
            );
            INSERT INTO segment_export_new (id, workspace_id, segment_id, segment_name, criteria, last_profile_row, ad_account_id, started_by,
                                            started_at, finished_at, status, error, total)
                SELECT id, workspace_id, segment_id, segment_name, criteria, last_profile_row, ad_account_id, started_by,
                       started_at, finished_at, status, error, total FROM segment_export;
            DROP TABLE segment_export;
            ALTER TABLE segment_export_new RENAME TO segment_export;
            CREATE INDEX segment_export_segment ON segment_export(segment_id, started_at);
            CREATE INDEX segment_export_running ON segment_export(status) WHERE status = 'running';
            """)
    }

    /// Each step's all-time figures, kept beside the hourly ones so the canvas page reads a few rows instead of summing
    /// every hour of a step's history (half of that page's instructions with a month of history). The triggers keep
    /// them exact whoever writes `step_metric` — `Store.addMetric`'s upsert fires the insert or the update trigger.
    private static func stepMetricTotals(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE step_metric_total (
                step_id INTEGER NOT NULL REFERENCES canvas_step(id) ON DELETE CASCADE,
                metric TEXT NOT NULL,
                count INTEGER NOT NULL CHECK (count >= 0),
                PRIMARY KEY (step_id, metric)
            ) WITHOUT ROWID;
            INSERT INTO step_metric_total (step_id, metric, count) SELECT step_id, metric, sum(count) FROM step_metric GROUP BY step_id, metric;
            CREATE TRIGGER step_metric_total_insert AFTER INSERT ON step_metric BEGIN
                INSERT INTO step_metric_total (step_id, metric, count) VALUES (NEW.step_id, NEW.metric, NEW.count)
                ON CONFLICT (step_id, metric) DO UPDATE SET count = count + excluded.count;
            END;
            CREATE TRIGGER step_metric_total_update AFTER UPDATE OF count ON step_metric BEGIN
                UPDATE step_metric_total SET count = count + NEW.count - OLD.count WHERE step_id = NEW.step_id AND metric = NEW.metric;
            END;
            CREATE TRIGGER step_metric_total_delete AFTER DELETE ON step_metric BEGIN
                UPDATE step_metric_total SET count = count - OLD.count WHERE step_id = OLD.step_id AND metric = OLD.metric;
            END;
            """)
    }

    /// A synced item is its own ledger line from now on (no `sync_attempt` row per synced user): the items stay, so
    /// the hourly prune records the cutoff before which their lines are no longer shown. The synced lines already
    /// written would show each of those items twice, so they go (every one of them has its item).
    private static func ledgerCutoff(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE ledger_cutoff (id INTEGER PRIMARY KEY CHECK (id = 1), before REAL NOT NULL);
            DELETE FROM sync_attempt WHERE outcome = 'synced';
            """)
    }

    /// The canvas page's entry figures that no step records: entry requests refused because the user did not match
    /// the entry criteria, and entries the workspace consent policy kept back. Written in the entry's own transaction.
    /// (Users entered are step 1's Entered.)
    private static func canvasEntryFigures(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE canvas_entry_figure (
                canvas_id INTEGER NOT NULL REFERENCES canvas(id) ON DELETE CASCADE,
                figure TEXT NOT NULL CHECK (figure IN ('not_matched', 'blocked_by_consent')),
                count INTEGER NOT NULL CHECK (count >= 0),
                PRIMARY KEY (canvas_id, figure)
            ) WITHOUT ROWID;
            """)
    }

    /// The sync queue by batch instead of by user (docs/performance.md, "The chunk queue"): a chunk holds the users a
    /// request brought to a step with one schema, their partner rows already built, and carries the claim, lease,
    /// fence, attempts and state a `sync_item` row carried for one user. `chunk_user` is the narrow per-user index
    /// (ledger, withdrawals, erasure); `chunk_attempt` is one ledger line per failed call instead of one per user.
    ///
    /// A slot is a user's place in its chunk: `users[slot]` and `rows[slot]`. A slot taken out of a pending chunk
    /// (consent screen, erasure) becomes `null` / `[]`, and a user whose outcome differs from the rest of the chunk's moves
    /// to a chunk of their own outcome, so `count` is always the number of users the chunk stands for. Each
    /// `sync_item` becomes a chunk of one, keeping its id, and each failed-attempt line its chunk's.
    private static func syncChunks(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE sync_chunk (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                step_id INTEGER NOT NULL REFERENCES canvas_step(id) ON DELETE CASCADE,
                state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'synced', 'errored')),
                count INTEGER NOT NULL CHECK (count >= 0),
                schema TEXT NOT NULL,
                users TEXT NOT NULL,
                rows TEXT NOT NULL,
                created_at REAL NOT NULL,
                claim_id TEXT,
                lease_until REAL,
                attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                first_attempt_at REAL,
                next_attempt_at REAL NOT NULL DEFAULT 0,
                error_class TEXT,
                last_error TEXT,
                finished_at REAL
            );
            CREATE INDEX sync_chunk_step ON sync_chunk(step_id, state, next_attempt_at);
            CREATE INDEX sync_chunk_due ON sync_chunk(state, next_attempt_at) WHERE state = 'pending';
            CREATE INDEX sync_chunk_claim ON sync_chunk(claim_id) WHERE claim_id IS NOT NULL;
            CREATE TABLE chunk_user (
                external_id TEXT NOT NULL,
                chunk_id INTEGER NOT NULL,
                slot INTEGER NOT NULL CHECK (slot >= 0),
                PRIMARY KEY (external_id, chunk_id, slot)
            ) WITHOUT ROWID;
            CREATE TABLE chunk_attempt (
                id INTEGER PRIMARY KEY,
                chunk_id INTEGER NOT NULL REFERENCES sync_chunk(id) ON DELETE CASCADE,
                at REAL NOT NULL,
                outcome TEXT NOT NULL CHECK (outcome IN ('retry', 'errored')),
                error_class TEXT,
                message TEXT
            );
            CREATE INDEX chunk_attempt_chunk ON chunk_attempt(chunk_id, at);
            CREATE INDEX chunk_attempt_at ON chunk_attempt(at);
            INSERT INTO sync_chunk (id, step_id, state, count, schema, users, rows, created_at, claim_id, lease_until, attempts,
                                    first_attempt_at, next_attempt_at, error_class, last_error, finished_at)
                SELECT id, step_id, state, 1, schema, json_array(external_id), json_array(json(row)), created_at, claim_id, lease_until, attempts,
                       first_attempt_at, next_attempt_at, error_class, last_error, finished_at
                FROM sync_item;
            INSERT INTO chunk_user (external_id, chunk_id, slot) SELECT external_id, id, 0 FROM sync_item;
            INSERT INTO chunk_attempt (chunk_id, at, outcome, error_class, message)
                SELECT item_id, at, outcome, error_class, message FROM sync_attempt
                WHERE outcome IN ('retry', 'errored') AND item_id IN (SELECT id FROM sync_chunk);
            DROP TABLE sync_attempt;
            DROP TABLE sync_item;
            """)
    }

    /// Each chosen ad account's facts as its partner reported them at the last check (``AccountFact`` as JSON), so the
    /// partner page and the step editor show them without asking the partner on every view.
    private static func adAccountFacts(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE ad_account ADD COLUMN facts TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(facts))")
    }

    /// A workspace's consent version goes up with every write that may change whether some user meets its consent
    /// policy; a chunk keeps the version its users' entry was decided under, 0 when unknown (`Store.screen`). Chunks
    /// from before this migration hold 0, below every workspace's 1, so the claim still screens them.
    private static func consentVersion(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE workspace ADD COLUMN consent_version INTEGER NOT NULL DEFAULT 1 CHECK (consent_version >= 1);
            ALTER TABLE sync_chunk ADD COLUMN consent_version INTEGER NOT NULL DEFAULT 0 CHECK (consent_version >= 0);
            """)
    }
}
