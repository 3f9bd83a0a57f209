import Core
import CrashPoints
import Foundation
import Logging
import Partners
import Storage
import Synchronization

/// Settings of the sync engine.
public struct SyncSettings: Sendable {
    /// A destination with items but no full batch is sent at most this often.
    public var interval: TimeInterval = 5
    /// How often the flusher looks for work.
    public var tick: TimeInterval = 0.5
    /// A claim's lease; renewed while its request is in flight.
    public var lease: TimeInterval = 30
    /// Destinations sent at once.
    public var concurrency = 4
    /// Full batches a destination sends back to back before the flusher's next look (a backlog drains at the
    /// partner's pace; other destinations have their own slots meanwhile).
    public var burst = 20
    /// Calls a destination of each partner may have in flight at once while its backlog holds more than one full
    /// batch: one lane per full batch waiting, up to this many (1 for a partner not listed). Claims are fenced and
    /// take disjoint chunks, every call takes its own place in the ad account's budget first, and a call checks the
    /// account's throttle just before it goes. Two lanes where the issue's limits leave room for them (Meta's hourly
    /// budget, TikTok's 50 a second); one elsewhere, since a lane's call already on the wire when another lane is told
    /// Retry-After still arrives early (the fault matrix's LinkedIn 429 row saw it).
    public var lanes: [PartnerID: Int] = [.facebook: 2, .tiktok: 2]
    /// Retries by error class, and the deadline.
    public var retry = RetryPolicy()
    /// How long the per-user ledger keeps attempts.
    public var ledgerRetention: TimeInterval = 30 * 86_400
    /// How long a destination's request log is kept.
    public var activityRetention: TimeInterval = 7 * 86_400
    /// How far ahead a sign-in that will end (a fixed-life refresh token, a non-renewable access token) is emailed about.
    public var expiryWarning: TimeInterval = 14 * 86_400
    /// Calls allowed per ad account in a rolling window, per partner (Facebook's advanced-access
    /// custom-audience budget of 190,000 an hour, partners.md §1.6; per-second budgets for partners that
    /// count per second). Shared by every canvas and step using the account, and kept in the database.
    public var callBudgets: [PartnerID: CallBudget] = Dictionary(uniqueKeysWithValues: PartnerInfo.catalog.map { ($0.id, $0.callBudget) })
    /// How often each active step's audience size is read from the partner.
    public var sizeRefresh: TimeInterval = 30 * 60
    /// How old a segment's count may get before the engine counts it again (a changed segment is counted at once).
    public var segmentSizeRefresh: TimeInterval = 60 * 60
    /// How often the whole database is read through `PRAGMA integrity_check` (reliability.md Q-13; `serve` runs the
    /// quicker `quick_check` at every start).
    public var integrityCheckInterval: TimeInterval = 86_400
    /// The dashboard's base URL, for links in alert emails.
    public var baseURL = "http://127.0.0.1:8080"
    /// Facebook Ads Manager's audiences page for an ad account (`{account}` = its numeric id), linked from export emails.
    public var adsManagerURL = "https://business.facebook.com/adsmanager/audiences?act={account}"
    /// Creates the defaults.
    public init() {}
}

/// Sends queued sync items to the partners: groups them per destination (a step: connection, ad account,
/// audience, action), sends a batch every `interval` or at once when a partner-size batch is ready, and
/// records every outcome. Several destinations go at once; one slow destination holds up no other.
///
/// Items are claimed with a lease and a claim id (renewed while in flight); completion must match the claim
/// id; a crashed worker's leases run out and the items are claimed again. No network call happens inside a
/// database transaction.
public final class SyncEngine: Sendable {
    let store: Store
    let tokenBox: TokenBox
    let tokens: ConnectionTokens
    let connectors: [PartnerID: any PartnerConnector]
    let settings: SyncSettings
    let now: @Sendable () -> Date
    let logger: Logger
    private let lastSent = Mutex<[Int64: Date]>([:])
    private let loop: BackgroundLoop
    private let pool: SendPool
    let notifier: Notifier
    /// Runs segment exports on the send pool, between canvas batches.
    public let exporter: SegmentExporter
    /// Runs CSV imports of profiles on the send pool.
    public let importer: ProfileImporter
    /// The pool key of the audience-size reads (step ids are positive).
    private static let sizeReadKey: Int64 = -1
    /// The pool key of segment exports.
    private static let exportKey: Int64 = -2
    /// The pool key of CSV imports.
    private static let importKey: Int64 = -3
    /// The pool key of the periodic integrity check.
    private static let integrityKey: Int64 = -4
    /// The pool key of account-wide removals.
    private static let accountRemovalKey: Int64 = -5
    /// The pool key of segment counts.
    private static let segmentCountKey: Int64 = -6

    /// Creates an engine; nothing runs until ``start()``.
    public init(store: Store, tokenBox: TokenBox, connectors: [PartnerID: any PartnerConnector], settings: SyncSettings = SyncSettings(),
                now: @escaping @Sendable () -> Date = { Date() }, logger: Logger = Logger(label: "audiencesync.sync")) {
        self.store = store; self.tokenBox = tokenBox; self.connectors = connectors; self.settings = settings; self.now = now; self.logger = logger
        self.tokens = ConnectionTokens(store: store, tokenBox: tokenBox, connectors: connectors, now: now)
        loop = BackgroundLoop(interval: settings.tick)
        pool = SendPool(width: settings.concurrency)
        notifier = Notifier(store: store, baseURL: settings.baseURL, logger: logger)
        exporter = SegmentExporter(store: store, tokens: tokens, connector: connectors[.facebook], budget: settings.callBudgets[.facebook],
                                   deadline: settings.retry.deadline, baseURL: settings.baseURL, adsManagerURL: settings.adsManagerURL,
                                   now: now, logger: logger)
        importer = ProfileImporter(store: store, now: now, logger: logger)
    }

    /// Starts the flusher thread: every `tick` it hands each due destination to the send pool and moves on.
    public func start() { loop.start { [self] in pass(force: false, tally: nil, waitForSlot: false) } }

    /// Stops after the batches in flight are recorded.
    public func stop() {
        stopping.withLock { $0 = true }
        loop.stop()
        pool.waitAll()
    }

    private let stopping = Mutex(false)
    /// Claim ids of the batches being sent right now.
    private let inFlight = Mutex<Set<String>>([])

    /// Releases the batches in flight without waiting for their partner calls (a second stop signal): their items
    /// are due again at once after a restart rather than after their lease. Returns how many items were released.
    public func releaseInFlight() -> Int {
        let claims = inFlight.withLock { Array($0) }
        do {
            return try store.releaseClaims(claims)
        } catch {
            logger.error("could not release \(claims.count) batch(es) in flight: \(error); their leases will run out")
            return 0
        }
    }

    /// Sends a destination's batches back to back while each one was full (a backlog), up to `burst` of them,
    /// so a backlog drains at the partner's pace rather than one batch per flusher tick.
    private func sendWhileFull(_ stepID: Int64, partner: PartnerID?) -> Int {
        let full = Self.fullBatch(partner)
        var total = 0
        for _ in 0..<max(1, settings.burst) {
            let handled = send(stepID: stepID)
            total += handled
            guard handled >= full, !stopping.withLock({ $0 }) else { break }
        }
        return total
    }

    /// One pass that waits for its sends: gives up on items past the deadline, then sends every destination that
    /// is due — all of them when `force` (tests, and tools).
    /// - Returns: how many items got an outcome.
    @discardableResult
    public func flush(force: Bool = false) -> Int {
        let tally = Tally()
        pass(force: force, tally: tally, waitForSlot: true)
        pool.waitAll()
        return tally.total
    }

    /// Expires, prunes, and starts a send for each due destination not already in flight; with `waitForSlot`
    /// false it leaves the rest for the next pass once every slot is busy.
    private func pass(force: Bool, tally: Tally?, waitForSlot: Bool) {
        let time = now()
        do {
            let expired = try store.expireItems(olderThan: time.addingTimeInterval(-settings.retry.deadline), now: time)
            for (stepID, count) in expired {
                notifier.problem(stepID: stepID, connectionID: nil, partner: try store.partner(ofStep: stepID), errorClass: "errored",
                                 message: "\(count) user(s) could not be synced within \(Int(settings.retry.deadline / 3600)) hours of their first attempt.",
                                 now: time)
            }
            try pruneHistoryHourly(time)
            try warnOfExpiringSignInsHourly(time)
            let due = try store.dueDestinations(now: time).filter { force || isDue($0.stepID, partner: $0.partner, count: $0.due, now: time) }
            lanes: for destination in due {
                let most = destination.partner.flatMap { settings.lanes[$0] } ?? 1
                for lane in 0..<Self.lanes(due: destination.due, partner: destination.partner, most: most) {
                    let key = Self.laneKey(destination.stepID, lane)
                    guard !pool.isBusy(key) else { continue }
                    let started = pool.submit(key, waitForSlot: waitForSlot) { [self] in
                        let handled = sendWhileFull(destination.stepID, partner: destination.partner)   // not inside `tally?.`: a nil tally would skip it
                        tally?.add(handled)
                    }
                    guard started else { break lanes }
                }
            }
            // A person leaving several audiences of one Meta ad account leaves them all in one account-wide call: those
            // removals are claimed here, before the audiences' own senders start, and sent on the pool.
            if !pool.isBusy(Self.accountRemovalKey) {
                let sender = AccountRemovalSender(engine: self)
                let claims = try store.dueAccountWideRemovals(now: time).compactMap { try sender.claim($0, now: time) }
                if !claims.isEmpty {
                    pool.submit(Self.accountRemovalKey, waitForSlot: true) {
                        let handled = claims.reduce(0) { $0 + sender.send($1) }   // not inside `tally?.`: a nil tally would skip it
                        tally?.add(handled)
                    }
                }
            }
            // Removals (consent withdrawn, erased) go on their step's own slot, so one destination sends one call at a time.
            let removals = try store.dueRemovalDestinations(now: time).filter { force || isDue($0.stepID, partner: $0.partner, count: $0.due, now: time) }
            for destination in removals where !pool.isBusy(destination.stepID) {
                let started = pool.submit(destination.stepID, waitForSlot: waitForSlot) { [self] in
                    let handled = RemovalSender(engine: self).send(stepID: destination.stepID)
                    tally?.add(handled)
                }
                guard started else { break }
            }
            // Exports take turns with canvases on the pool: a couple of seconds of batches per pass.
            if !pool.isBusy(Self.exportKey), force || Self.isTime(lastExportLook, time, every: 1), exporter.hasWork() {
                pool.submit(Self.exportKey, waitForSlot: waitForSlot) { [self] in
                    let handled = exporter.run(for: 2)
                    tally?.add(handled)
                }
            }
            if !pool.isBusy(Self.importKey), force || Self.isTime(lastImportLook, time, every: 1), importer.hasWork() {
                pool.submit(Self.importKey, waitForSlot: waitForSlot) { [self] in _ = importer.run(for: 2) }
            }
            // Segment sizes for the segment list: a cheap look (the segment table is small) every second, as for exports,
            // so a new or changed segment is counted at once rather than in the middle of whatever comes next.
            if !pool.isBusy(Self.segmentCountKey), force || Self.isTime(lastSegmentCountLook, time, every: 1) {
                let due = try store.segmentsDueForCount(countedBefore: time.addingTimeInterval(-settings.segmentSizeRefresh), limit: 20)
                if !due.isEmpty {
                    pool.submit(Self.segmentCountKey, waitForSlot: waitForSlot) { [self] in recountSegments(due) }
                }
            }
            if !pool.isBusy(Self.integrityKey), Self.isTime(lastIntegrityLook, time, every: 60), try integrityCheckIsDue(time) {
                pool.submit(Self.integrityKey, waitForSlot: waitForSlot) { [self] in checkIntegrity() }
            }
            // Sizes change slowly: look for due reads once a minute, and start a thread only when there are some.
            if force || Self.isTime(lastSizeLook, time, every: 60) {
                let steps = try store.stepsDueForSizeCheck(before: time.addingTimeInterval(-settings.sizeRefresh))
                if !steps.isEmpty {
                    pool.submit(Self.sizeReadKey, waitForSlot: waitForSlot) { [self] in
                        do { try refreshAudienceSizes(steps, time) } catch { logger.error("audience size refresh failed: \(error)") }
                    }
                }
            }
        } catch {
            logger.error("sync pass failed: \(error)")
        }
    }

    private let lastPrune = Mutex<Date>(.distantPast)
    private let lastExportLook = Mutex<Date>(.distantPast)
    private let lastImportLook = Mutex<Date>(.distantPast)
    private let lastExpiryLook = Mutex<Date>(.distantPast)

    /// Sign-ins that end within `expiryWarning` are told to the connector by email, once, ahead of time.
    private func warnOfExpiringSignInsHourly(_ time: Date) throws {
        guard Self.isTime(lastExpiryLook, time, every: 3600) else { return }
        for connection in try store.connectionsToReconnect(before: time.addingTimeInterval(settings.expiryWarning)) {
            if let date = connection.reconnectBy { notifier.expiring(connection, at: date, now: time) }
        }
    }
    private let lastSizeLook = Mutex<Date>(.distantPast)
    private let lastSegmentCountLook = Mutex<Date>(.distantPast)

    /// Counts each segment in turn (each is one scan of its workspace's profiles), stopping early when asked to stop.
    private func recountSegments(_ due: [(workspaceID: Int64, id: Int64)]) {
        for segment in due where !stopping.withLock({ $0 }) {
            do { try store.recountSegment(workspaceID: segment.workspaceID, id: segment.id, now: now()) } catch {
                logger.error("could not count segment \(segment.id): \(error)")
            }
        }
    }
    private let lastIntegrityLook = Mutex<Date>(.distantPast)

    /// Whether the last integrity check (kept in the database, so restarts do not repeat it) is older than the interval.
    private func integrityCheckIsDue(_ time: Date) throws -> Bool {
        guard let last = try store.lastCheck(MaintenanceCheck.integrity) else { return true }
        return time.timeIntervalSince(last.at) >= settings.integrityCheckInterval
    }

    /// Reads the whole file with `integrity_check` (on the pool: it takes seconds on a large database, and readers
    /// never block the writer in WAL mode) and records the result for `/metrics`. A damaged file is logged as
    /// critical: the operator should restore a backup before more is lost.
    private func checkIntegrity() {
        let started = DispatchTime.now()
        let result: String
        do { result = try store.integrityCheck() } catch { result = "could not be read: \(error)" }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        do { try store.recordCheck(MaintenanceCheck.integrity, result: result, seconds: seconds, at: now()) } catch {
            logger.error("could not record the integrity check: \(error)")
        }
        if result == "ok" {
            logger.info("database integrity check: ok in \(String(format: "%.1f", seconds)) s")
        } else {
            logger.critical("database integrity check FAILED: \(result) — stop the app and restore a backup (audiencesync restore-drill tries one)")
        }
    }

    /// Whether `every` seconds have passed since `last`, moving it to `time` when they have.
    private static func isTime(_ last: borrowing Mutex<Date>, _ time: Date, every: TimeInterval) -> Bool {
        last.withLock { last in
            guard time.timeIntervalSince(last) >= every else { return false }
            last = time
            return true
        }
    }

    /// Keeps the ledger 30 days and the activity log 7 days, pruning at most once an hour.
    private func pruneHistoryHourly(_ time: Date) throws {
        guard Self.isTime(lastPrune, time, every: 3600) else { return }
        try store.pruneHistory(ledgerBefore: time.addingTimeInterval(-settings.ledgerRetention),
                               activityBefore: time.addingTimeInterval(-settings.activityRetention))
    }

    /// Reads the estimated size of each of `steps`' audiences (due every `sizeRefresh`), within the account's budget.
    func refreshAudienceSizes(_ steps: [Int64], _ time: Date) throws {
        for stepID in steps {
            guard case .success(let destination) = try SyncDestination.resolve(stepID: stepID, store: store, tokens: tokens, connectors: connectors),
                  try store.throttledUntil(partner: destination.partner, account: destination.account, now: time) == nil else {
                try store.recordAudienceSize(stepID: stepID, lower: nil, upper: nil, now: time)   // look again after the interval
                continue
            }
            guard try hasRoomForExtras(destination), try reserveCall(destination) else { continue }   // read it on a later pass
            var size: AudienceSize?
            do {
                size = try withToken(destination) { token throws(PartnerError) in
                    try destination.uploader.audienceSize(audienceID: destination.audienceID, token: token)
                }
            } catch {
                tokens.refused(error, connectionID: destination.connectionID)   // the next steps of this connection skip it
            }
            try store.recordAudienceSize(stepID: stepID, lower: size?.lower, upper: size?.upper, now: time)
        }
    }

    private func isDue(_ stepID: Int64, partner: PartnerID?, count: Int, now: Date) -> Bool {
        Self.isDue(count: count, partner: partner, lastSent: lastSent.withLock { $0[stepID] } ?? .distantPast, now: now,
                   interval: settings.interval)
    }

    /// Whether a destination goes now: a full batch for its partner goes at once; anything else waits until
    /// `interval` after its last send.
    static func isDue(count: Int, partner: PartnerID?, lastSent: Date, now: Date, interval: TimeInterval) -> Bool {
        count >= fullBatch(partner) || now.timeIntervalSince(lastSent) >= interval
    }

    /// How many of a destination's calls go at once: one per full batch waiting, at least one, at most `most`.
    static func lanes(due: Int, partner: PartnerID?, most: Int) -> Int {
        max(1, min(most, due / fullBatch(partner)))
    }

    /// The send pool's key of a destination's lane: lane 0 is the step id itself (its removals share it, so a step's
    /// removal never runs beside its first lane), further lanes sit above every step id.
    static func laneKey(_ stepID: Int64, _ lane: Int) -> Int64 {
        lane == 0 ? stepID : stepID | Int64(lane) << 48
    }

    /// The most users one call to `partner` carries (no limit for a step without a partner).
    static func fullBatch(_ partner: PartnerID?) -> Int { partner.map { PartnerInfo.of($0).maxUsersPerRequest } ?? Int.max }

    /// Sends one batch of a destination and records the outcome; returns how many items got one.
    private func send(stepID: Int64) -> Int {
        let time = now()
        lastSent.withLock { $0[stepID] = time }
        do {
            let destination: SyncDestination
            switch try SyncDestination.resolve(stepID: stepID, store: store, tokens: tokens, connectors: connectors) {
            case .success(let value): destination = value
            case .failure(let problem):
                try store.markWaiting(stepID: stepID, errorClass: problem.errorClass, message: problem.message, now: time)
                notifier.problem(stepID: stepID, connectionID: problem.connectionID, partner: problem.partner, errorClass: problem.errorClass,
                                 message: problem.message, now: time)
                return 0
            }
            if try store.throttledUntil(partner: destination.partner, account: destination.account, now: time) != nil { return 0 }
            if let budget = settings.callBudgets[destination.partner],
               try store.callsInWindow(partner: destination.partner, account: destination.account, budget: budget, now: time) >= budget.limit {
                try store.markWaiting(stepID: stepID, errorClass: "throttled", message: Self.budgetMessage(budget), now: time)
                return 0
            }
            let claimID = UUID().uuidString
            let items = try store.claim(stepID: stepID, limit: destination.uploader.maxUsersPerRequest, claimID: claimID,
                                        leaseUntil: time.addingTimeInterval(settings.lease), now: time,
                                        // Only adds are screened: a remove step taking an opted-out user out of an audience is what the policy wants.
                                        policy: destination.action == .add ? destination.policy : nil)
            guard !items.isEmpty else { return 0 }
            inFlight.withLock { _ = $0.insert(claimID) }
            defer { inFlight.withLock { _ = $0.remove(claimID) } }
            CrashPoints.reach(.claim)
            let keeper = LeaseKeeper(store: store, claimID: claimID, lease: settings.lease, now: now)
            var activity: [ActivityLine] = []
            let outcomes = deliver(items, to: destination, activity: &activity)
            CrashPoints.reach(.afterPartnerAnswered)   // test-only: the partner has the batch, the database does not know yet
            keeper.stop()
            let recorded = try store.finish(claimID: claimID, outcomes: outcomes, stepID: stepID, now: now())
            if recorded < items.count {
                // The lease ran out while this batch was in flight (the process was stopped, the machine stalled) and
                // another claim took the items over: their outcome is theirs to record, this one is fenced off.
                logger.warning("[Sync] step \(stepID): \(items.count - recorded) of \(items.count) outcome(s) not recorded: the claim was taken over after its lease ran out")
            }
            if outcomes.contains(where: { $0.outcome == .synced }) {
                notifier.working(stepID: stepID, connectionID: destination.connectionID, now: now())
            }
            try store.recordActivity(stepID: stepID, activity)
            return recorded
        } catch {
            logger.error("sync of step \(stepID) failed: \(error)")
            return 0
        }
    }

    /// Takes a call from the destination's ad-account budget; true when its partner has none.
    func reserveCall(_ destination: SyncDestination) throws -> Bool {
        guard let budget = settings.callBudgets[destination.partner] else { return true }
        return try store.reserveCall(partner: destination.partner, account: destination.account, budget: budget, now: now())
    }

    /// Whether calls that are nice to have (audience-size reads) may use the budget: never its last tenth, which
    /// is kept for sending users.
    func hasRoomForExtras(_ destination: SyncDestination) throws -> Bool {
        guard let budget = settings.callBudgets[destination.partner] else { return true }
        let used = try store.callsInWindow(partner: destination.partner, account: destination.account, budget: budget, now: now())
        return used < budget.limit - max(1, budget.limit / 10)
    }

    static func budgetMessage(_ budget: CallBudget) -> String {
        "The ad account's call budget (\(budget.summary)) is used up; sending resumes as calls leave the window."
    }

    /// Sends `items`, one request per identifier group where the partner takes one identifier type per request
    /// (Snapchat, Criteo, Pinterest): each user goes in the requests of the keys it has a value for, and ends with
    /// the worst outcome of its requests (a retried user's other requests are sent again; adds and removes are
    /// idempotent at every partner).
    func deliver(_ items: [ClaimedItem], to destination: SyncDestination,
                 activity: inout [ActivityLine]) -> [(ids: [Int64], outcome: ItemOutcome)] {
        guard var schema = items.first?.schema else { return [] }
        var items = items
        // Rows that leave out an empty optional column (Meta's DATA_PROCESSING_OPTIONS), or were queued before a
        // partner's rows gained one, go in one call with the others: each is padded by column name with "".
        if items.contains(where: { $0.schema != schema }), let widest = items.map(\.schema).max(by: { $0.count < $1.count }),
           items.allSatisfy({ Set($0.schema).isSubset(of: widest) }) {
            schema = widest
            items = items.map { item in
                guard item.schema != widest else { return item }
                let values = Dictionary(zip(item.schema, item.row), uniquingKeysWith: { first, _ in first })
                return ClaimedItem(id: item.id, externalID: item.externalID, schema: widest, row: widest.map { values[$0] ?? "" },
                                   attempts: item.attempts, firstAttemptAt: item.firstAttemptAt)
            }
        }
        // Schemas that are not one within the other are never laid out as each other: each goes in calls of its own.
        if items.contains(where: { $0.schema != schema }) {
            var outcomes: [(ids: [Int64], outcome: ItemOutcome)] = []
            for same in [items.filter { $0.schema == schema }, items.filter { $0.schema != schema }] {
                outcomes += deliver(same, to: destination, activity: &activity)
            }
            return outcomes
        }
        let groups = IdentifierRulesCatalog.rules(for: destination.partner)?.requestGroups(schema) ?? [Array(schema.indices)]
        if groups.count == 1 && groups[0].count == schema.count { return deliverGroup(items, to: destination, activity: &activity) }
        var worst: [Int64: ItemOutcome] = [:]
        for group in groups {
            let carrying = items.filter { item in group.contains { !item.row[$0].isEmpty } }.map { item in
                ClaimedItem(id: item.id, externalID: item.externalID, schema: group.map { schema[$0] }, row: group.map { item.row[$0] },
                            attempts: item.attempts, firstAttemptAt: item.firstAttemptAt)
            }
            guard !carrying.isEmpty else { continue }
            for (ids, outcome) in deliverGroup(carrying, to: destination, activity: &activity) {
                for id in ids where Self.severity(outcome) > Self.severity(worst[id] ?? .synced) { worst[id] = outcome }
            }
        }
        var outcomes: [ItemOutcome] = [.synced]
        var ids: [[Int64]] = [[]]
        for item in items {
            let outcome = worst[item.id] ?? .synced
            if let index = outcomes.firstIndex(of: outcome) { ids[index].append(item.id) } else { outcomes.append(outcome); ids.append([item.id]) }
        }
        return zip(ids, outcomes).filter { !$0.0.isEmpty }.map { ($0.0, $0.1) }
    }

    /// One call; an access token refused before its expiry (revoked, rotated) is renewed once and the call repeated.
    private func upload(_ items: [ClaimedItem], schema: [String], to destination: SyncDestination) throws(PartnerError) -> UploadReceipt {
        let rows = items.map(\.row)
        return try withToken(destination) { token throws(PartnerError) in
            try destination.uploader.upload(audienceID: destination.audienceID, action: destination.action, schema: schema, rows: rows, token: token)
        }
    }

    /// Makes `call` with the destination's token; a token refused before its expiry (revoked, rotated) is renewed once,
    /// where the partner gives refresh tokens, and the call repeated.
    func withToken<T>(_ destination: SyncDestination, _ call: (String) throws(PartnerError) -> T) throws(PartnerError) -> T {
        do {
            return try call(destination.token)
        } catch {
            guard case .authInvalid = error, destination.connection.sealedRefreshToken != nil,
                  case .success(let fresh) = tokens.accessToken(destination.connection, force: true) else { throw error }
            return try call(fresh)
        }
    }

    private static func severity(_ outcome: ItemOutcome) -> Int {
        switch outcome {
        case .synced: 0
        case .retry: 1
        case .errored: 2
        }
    }

    /// Sends `items` in one request; a batch refused for bad rows is split until the bad rows are found, and only
    /// they fail. Each call to the partner adds a line to `activity`.
    private func deliverGroup(_ items: [ClaimedItem], to destination: SyncDestination,
                              activity: inout [ActivityLine]) -> [(ids: [Int64], outcome: ItemOutcome)] {
        guard let schema = items.first?.schema else { return [] }
        // Another lane may have been told to wait since this batch was claimed: no call before the partner's time.
        if let until = try? store.throttledUntil(partner: destination.partner, account: destination.account, now: now()) {
            return [(items.map(\.id), .retry(at: until, errorClass: "throttled", message: "The partner asked to wait before the next call."))]
        }
        // Every call takes its place in the account's budget first; with no room left, the items wait for it.
        guard (try? reserveCall(destination)) == true else {
            let budget = settings.callBudgets[destination.partner]
            let at = budget.map { $0.nextSlotStart(now()) } ?? now().addingTimeInterval(1)
            return [(items.map(\.id), .retry(at: at, errorClass: "throttled", message: budget.map(Self.budgetMessage) ?? "No call budget left."))]
        }
        let started = now()
        func log(_ outcome: String, _ summary: String, receipt: PartnerCounts? = nil) {
            let millis = max(0, Int(now().timeIntervalSince(started) * 1000))
            activity.append(ActivityLine(at: started, users: items.count, outcome: outcome, summary: summary, latencyMilliseconds: millis,
                                         receipt: receipt))
        }
        do {
            let receipt = try upload(items, schema: schema, to: destination)
            log("ok", "received \(receipt.received), invalid \(receipt.invalid)", receipt: PartnerCounts(received: receipt.received, invalid: receipt.invalid))
            return [(items.map(\.id), .synced)]
        } catch {
            log(error.className, error.message)
            if case .invalidData = error, items.count > 1 {
                let half = items.count / 2
                return deliverGroup(Array(items[..<half]), to: destination, activity: &activity)
                    + deliverGroup(Array(items[half...]), to: destination, activity: &activity)
            }
            return [(items.map(\.id), outcome(for: error, items: items, destination: destination))]
        }
    }

    private func outcome(for error: PartnerError, items: [ClaimedItem], destination: SyncDestination) -> ItemOutcome {
        let time = now()
        let first = items.map(\.firstAttemptAt).min() ?? time
        let attempts = items.map(\.attempts).max() ?? 1
        let decision = settings.retry.decide(error, attempts: attempts, firstAttempt: first, now: time, jitter: Double.random(in: 0...1))
        switch error {
        case .throttled:
            if case .retry(let at) = decision {
                try? store.throttle(partner: destination.partner, account: destination.account, until: at, reason: error.message)
            }
        case .authInvalid:
            // No further calls with this token: the connection shows as invalid until someone reconnects.
            tokens.refused(error, connectionID: destination.connectionID)
        default:
            break
        }
        logger.warning("step \(destination.stepID): \(items.count) item(s) \(error.className): \(error.message)")
        notifier.problem(stepID: destination.stepID, connectionID: destination.connectionID, partner: destination.partner,
                         errorClass: error.className, message: error.message, now: time)
        if case .giveUp(let reason) = decision, error.className != "invalid_data" {
            notifier.problem(stepID: destination.stepID, connectionID: destination.connectionID, partner: destination.partner,
                             errorClass: "errored", message: reason, now: time)
        }
        switch decision {
        case .retry(let at): return .retry(at: at, errorClass: error.className, message: error.message)
        case .giveUp(let reason): return .errored(errorClass: error.className, message: reason)
        }
    }
}
