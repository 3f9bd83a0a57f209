import Core
import Foundation
import GRDB
@testable import Storage
import TestSupport
import Testing

/// Ids that leave the database — in URLs, API answers, bookmarks, confirmation pages — are never given to a second
/// row, and migration 020, which made them so, keeps every row, column, check, index and foreign key.
@Suite struct IdReuseTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"

    /// The tables migration 020 rebuilt: their ids appear in URLs or API answers.
    static let rebuilt = ["ad_account", "api_key", "canvas", "canvas_step", "notification_recipient", "profile_import", "segment", "segment_export"]

    @Test func theNewestRowsDeletedIdIsNotGivenToTheNextOne() throws {
        let store = try Store(path: ProjectPaths.temporaryDirectory("ids") + "/test.sqlite")
        let user = try store.createUser(workspaceName: "Acme", email: "a@acme.test", passwordHash: Self.hash, role: .admin, now: now)
        let workspace = user.workspaceID

        _ = try store.createCanvas(workspaceID: workspace, name: "Kept", createdBy: user.id, now: now)
        let deleted = try store.createCanvas(workspaceID: workspace, name: "Deleted", createdBy: user.id, now: now)
        let step = try store.addStep(workspaceID: workspace, canvasID: deleted.id, kind: .delay(seconds: 60))
        try store.removeStep(workspaceID: workspace, canvasID: deleted.id, stepID: step.id)
        let nextStep = try store.addStep(workspaceID: workspace, canvasID: deleted.id, kind: .delay(seconds: 60))
        #expect(nextStep.id > step.id)
        try store.deleteDraftCanvas(workspaceID: workspace, id: deleted.id)
        let next = try store.createCanvas(workspaceID: workspace, name: "Next", createdBy: user.id, now: now)
        #expect(next.id > deleted.id, "canvas \(deleted.id) was deleted, and the next canvas got \(next.id)")

        let segment = try store.createSegment(workspaceID: workspace, name: "Deleted", createdBy: user.id, now: now)
        #expect(try store.deleteSegment(workspaceID: workspace, id: segment.id) == .deleted)
        let nextSegment = try store.createSegment(workspaceID: workspace, name: "Next", createdBy: user.id, now: now)
        #expect(nextSegment.id > segment.id)
    }

    @Test func migration020KeepsEveryRowAndTheSchemaButAutoincrement() throws {
        let path = ProjectPaths.temporaryDirectory("migration-020") + "/test.sqlite"
        let before: (rows: [String: [Row]], schema: [String: [String]])
        do {
            let queue = try DatabaseQueue(path: path)
            try Migrations.migrator.migrate(queue, upTo: "019-export-alerts")
            try queue.write { db in try Self.insertOneOfEverything(db, now: now) }
            before = try queue.read { db in (try Self.rows(db), try Self.schema(db)) }
        }

        // Migration 020 alone: later ones change other tables.
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(queue, upTo: "020-ids-never-reused")
        try queue.read { db in
            #expect(try Self.rows(db) == before.rows)
            let after = try Self.schema(db)
            for (table, facts) in before.schema {
                #expect(after[table] == facts, "table \(table)")
            }
            for table in Self.rebuilt {
                let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table]) ?? ""
                #expect(sql.contains("PRIMARY KEY AUTOINCREMENT"), "table \(table)")
            }
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
        }

        // The foreign keys still act: deleting the canvas takes its steps and their items with it.
        let store = try Store(path: path)
        let workspace = try #require(before.rows["workspace"]?.first?["id"] as Int64?)
        try store.deleteDraftCanvas(workspaceID: workspace, id: 1)
        let left = try queue.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM canvas_step"), try Int.fetchOne(db, sql: "SELECT count(*) FROM sync_chunk"))
        }
        #expect(left.0 == 0 && left.1 == 0)
        let next = try store.createCanvas(workspaceID: workspace, name: "After", createdBy: 1, now: now)
        #expect(next.id == 2, "the counter starts from the largest copied id")
    }

    /// Every row of every table, in rowid order (tables without rowid by their key).
    static func rows(_ db: Database) throws -> [String: [Row]] {
        var result: [String: [Row]] = [:]
        for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'") {
            result[table] = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1, 2")
        }
        return result
    }

    /// Each table's definition with `AUTOINCREMENT`, quotes and white space taken out (a renamed table's SQL is
    /// quoted, and columns added by `ALTER TABLE` are spaced differently), its indexes' definitions and its foreign
    /// keys as SQLite reads them.
    static func schema(_ db: Database) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        let tables = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'")
        for table in tables {
            let name: String = table["name"]
            var facts = [normalized(table["sql"])]
            facts += try Row.fetchAll(db, sql: "SELECT * FROM pragma_index_list(?) ORDER BY name", arguments: [name]).map { index in
                let columns = try Row.fetchAll(db, sql: "SELECT * FROM pragma_index_xinfo(?)", arguments: [index["name"] as String])
                let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", arguments: [index["name"] as String])
                return "\(index) \(columns) \(sql ?? "")"
            }
            facts += try Row.fetchAll(db, sql: "SELECT * FROM pragma_foreign_key_list(?) ORDER BY id, seq", arguments: [name]).map(\.description)
            facts += try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY name", arguments: [name]).map(\.description)
            result[name] = facts
        }
        return result
    }

    static func normalized(_ sql: String) -> String {
        sql.replacingOccurrences(of: "AUTOINCREMENT", with: "").filter { !$0.isWhitespace && $0 != "\"" }
            .replacingOccurrences(of: "_new(", with: "(")
    }

    /// A row in each rebuilt table and in the tables that refer to them, as release 019 would have stored them.
    static func insertOneOfEverything(_ db: Database, now: Date) throws {
        let t = now.timeIntervalSince1970
        try db.execute(sql: """
            INSERT INTO workspace (id, name, created_at) VALUES (1, 'Acme', \(t));
            INSERT INTO dashboard_user (id, workspace_id, email, password_hash, role, created_at) VALUES (1, 1, 'a@acme.test', '\(hash)', 'admin', \(t));
            INSERT INTO connection (id, workspace_id, partner, token_kind, sealed_token, status, connected_by, connected_at)
                VALUES (1, 1, 'facebook', 'oauth', x'01', 'valid', 1, \(t));
            INSERT INTO ad_account (id, connection_id, external_id, name, terms_accepted) VALUES (3, 1, 'act_1', 'Brand', 1);
            INSERT INTO api_key (id, workspace_id, name, key_hash, key_prefix, created_by, created_at)
                VALUES (4, 1, 'CRM', '\(String(repeating: "a", count: 64))', 'as_abc', 1, \(t));
            INSERT INTO canvas (id, workspace_id, name, entry_criteria, created_by, created_at, entry_action, entry_action_name)
                VALUES (1, 1, 'Welcome', '{"groups":[]}', 1, \(t), 'event', 'signed_up');
            INSERT INTO canvas_step (id, canvas_id, position, kind, partner, ad_account_id, audience_mode, audience_name, audience_creation_key, fields)
                VALUES (5, 1, 0, 'audience_sync', 'facebook', 'act_1', 'new', 'Buyers', 'key-5', '["email"]');
            INSERT INTO canvas_step (id, canvas_id, position, kind, audience_mode, audience_source_step) VALUES (6, 1, 1, 'audience_sync', 'from_step', 5);
            INSERT INTO sync_item (id, step_id, external_id, schema, row, created_at) VALUES (1, 5, 'u1', '["EMAIL"]', '["x"]', \(t));
            INSERT INTO step_metric (step_id, metric, hour, count) VALUES (5, 'entered', 1, 1);
            INSERT INTO segment (id, workspace_id, name, created_by, created_at, updated_at) VALUES (7, 1, 'Gold', 1, \(t), \(t));
            INSERT INTO segment_export (id, workspace_id, segment_id, segment_name, criteria, last_profile_row, ad_account_id, started_by, started_at, total)
                VALUES (8, 1, 7, 'Gold', '{"groups":[]}', 0, 'act_1', 1, \(t), 0);
            INSERT INTO segment_export_audience (export_id, position, field, name, audience_id) VALUES (8, 0, 'email', 'Gold — Email', '238');
            INSERT INTO removal_item (step_id, export_id, export_field, subject, reason, schema, row, created_at)
                VALUES (NULL, 8, 'email', 'u1', 'erased', '["EMAIL"]', '["x"]', \(t));
            INSERT INTO profile_import (id, workspace_id, filename, path, start_offset, end_offset, header, started_by, started_at, offset, next_line)
                VALUES (9, 1, 'users.csv', '/tmp/users.csv', 0, 10, '["external_id"]', 1, \(t), 0, 2);
            INSERT INTO notification_recipient (id, workspace_id, kind, email, created_at) VALUES (10, 1, 'export', 'ops@acme.test', \(t));
            """)
    }
}
