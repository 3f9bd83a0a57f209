import Core
import Foundation
import Storage
import TestSupport
import Testing

/// Alerts on a real SQLite file: one email per problem start and clear, to the right people.
@Suite struct AlertStoreTests {
    let store: Store
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let admin: DashboardUser
    let connector: DashboardUser
    let launcher: DashboardUser
    let connection: Connection
    let step: Int64

    init() throws {
        store = try Store(path: ProjectPaths.temporaryDirectory("alerts") + "/test.sqlite")
        admin = try store.createUser(workspaceName: "W", email: "admin@w.test", passwordHash: StoreTests.hash, role: .admin, now: now)
        connector = try store.createUser(workspaceName: "W", email: "connector@w.test", passwordHash: StoreTests.hash, role: .admin, now: now)
        launcher = try store.createUser(workspaceName: "W", email: "launcher@w.test", passwordHash: StoreTests.hash, role: .member, now: now)
        connection = try store.saveConnection(NewConnection(workspaceID: admin.workspaceID, partner: .facebook, tokenKind: .oauth, sealedToken: [1],
                                                            expiresAt: nil, partnerUserName: nil, connectedBy: connector.id), now: now)
        let canvas = try store.createCanvas(workspaceID: admin.workspaceID, name: "Buyers", createdBy: admin.id, now: now)
        step = try store.addStep(workspaceID: admin.workspaceID, canvasID: canvas.id, kind: .audienceSync(AudienceSyncConfig(
            partner: .facebook, adAccountID: "act_1", audience: .new(name: "A", externalID: "9"), action: .add, fields: [.email]))).id
        try store.setCanvasStatus(workspaceID: admin.workspaceID, id: canvas.id, status: .active, launchedBy: launcher.id, now: now)
    }

    func alert(_ kind: AlertKind, _ errorClass: String) -> Alert {
        Alert(kind: kind, workspaceID: admin.workspaceID, subjectID: kind == .step ? step : connection.id, errorClass: errorClass,
              title: "Problem \(errorClass)", detail: "facebook: it broke", link: "http://x/y")
    }

    func mails() throws -> [(to: String, subject: String)] {
        try store.outbox(workspaceID: admin.workspaceID).reversed().map { ($0.recipient, $0.subject) }
    }

    @Test func aProblemIsToldOnceWhenItStartsAndOnceWhenItClears() throws {
        #expect(try store.raiseAlert(alert(.step, "audience_gone"), now: now))
        #expect(try !store.raiseAlert(alert(.step, "audience_gone"), now: now.addingTimeInterval(5)))   // the next batch: no second email
        #expect(try mails().map(\.to) == ["launcher@w.test"])
        #expect(try mails()[0].subject == "[AudienceSync] Action needed: Problem audience_gone")
        #expect(try store.clearAlerts(.step, subjectID: step, now: now.addingTimeInterval(60)) == 1)
        #expect(try store.clearAlerts(.step, subjectID: step, now: now.addingTimeInterval(61)) == 0)
        #expect(try mails().map(\.subject) == ["[AudienceSync] Action needed: Problem audience_gone", "[AudienceSync] Resolved: Problem audience_gone"])
        // The same problem coming back later is a new problem, told again.
        #expect(try store.raiseAlert(alert(.step, "audience_gone"), now: now.addingTimeInterval(120)))
        #expect(try mails().count == 3)
        let records = try store.alerts(workspaceID: admin.workspaceID)
        #expect(records.count == 2 && records[0].clearedAt == nil && records[1].clearedAt == now.addingTimeInterval(60))
    }

    @Test func integrationProblemsGoToTheConnectorAndStepProblemsToTheLauncher() throws {
        try store.raiseAlert(alert(.integration, "auth_invalid"), now: now)
        try store.raiseAlert(alert(.step, "terms_not_accepted"), now: now)
        #expect(try mails().map(\.to) == ["connector@w.test", "launcher@w.test"])
    }

    @Test func whenThatPersonIsGoneTheAdminsAreTold() throws {
        try store.deleteUser(workspaceID: admin.workspaceID, id: connector.id)
        try store.deleteUser(workspaceID: admin.workspaceID, id: launcher.id)
        try store.raiseAlert(alert(.integration, "permission_denied"), now: now)
        try store.raiseAlert(alert(.step, "errored"), now: now)
        #expect(try mails().map(\.to) == ["admin@w.test", "admin@w.test"])
    }

    @Test func chosenRecipientsHearOnlyTheirKindAndOnlyOnce() throws {
        try store.addNotificationRecipient(workspaceID: admin.workspaceID, kind: .step, email: "Ops@W.test", now: now)
        try store.addNotificationRecipient(workspaceID: admin.workspaceID, kind: .step, email: "ops@w.test", now: now)   // no-op
        try store.addNotificationRecipient(workspaceID: admin.workspaceID, kind: .step, email: "launcher@w.test", now: now)   // already told
        #expect(try store.notificationRecipients(workspaceID: admin.workspaceID).map(\.email) == ["launcher@w.test", "ops@w.test"])
        try store.raiseAlert(alert(.integration, "auth_invalid"), now: now)
        try store.raiseAlert(alert(.step, "audience_gone"), now: now)
        #expect(try mails().map(\.to) == ["connector@w.test", "launcher@w.test", "ops@w.test"])
        let other = try store.createUser(workspaceName: "Other", email: "o@o.test", passwordHash: StoreTests.hash, role: .admin, now: now)
        let id = try #require(store.notificationRecipients(workspaceID: admin.workspaceID).first?.id)
        #expect(throws: StoreError.notFound) { try store.removeNotificationRecipient(workspaceID: other.workspaceID, id: id) }
        try store.removeNotificationRecipient(workspaceID: admin.workspaceID, id: id)
        #expect(try store.notificationRecipients(workspaceID: admin.workspaceID).map(\.email) == ["ops@w.test"])
    }

    @Test func aReconnectOrAHealthyCheckClearsTheConnectionsProblems() throws {
        try store.raiseAlert(alert(.integration, "auth_invalid"), now: now)
        try store.recordConnectionHealth(connectionID: connection.id, status: .invalid, message: "x", expiresAt: nil, partnerUserName: nil, now: now)
        #expect(try mails().count == 1)
        _ = try store.saveConnection(NewConnection(workspaceID: admin.workspaceID, partner: .facebook, tokenKind: .oauth, sealedToken: [2],
                                                   expiresAt: nil, partnerUserName: nil, connectedBy: connector.id), now: now.addingTimeInterval(9))
        #expect(try mails().last?.subject == "[AudienceSync] Resolved: Problem auth_invalid")
        try store.raiseAlert(alert(.integration, "permission_denied"), now: now.addingTimeInterval(10))
        try store.recordConnectionHealth(connectionID: connection.id, status: .valid, message: nil, expiresAt: nil, partnerUserName: nil,
                                         now: now.addingTimeInterval(11))
        #expect(try mails().last?.subject == "[AudienceSync] Resolved: Problem permission_denied")
    }

    @Test func theOutboxRetriesThenGivesUpAndIsKeptPerWorkspace() throws {
        try store.raiseAlert(alert(.step, "audience_gone"), now: now)
        let mail = try #require(store.mailDue(now: now).first)
        try store.markMailFailed(id: mail.id, error: "451 try later", retryAt: now.addingTimeInterval(60))
        #expect(try store.mailDue(now: now.addingTimeInterval(59)).isEmpty)
        #expect(try store.mailDue(now: now.addingTimeInterval(60)).first?.attempts == 1)
        try store.markMailSent(id: mail.id, now: now.addingTimeInterval(61))
        #expect(try store.mailDue(now: now.addingTimeInterval(3600)).isEmpty)
        let sent = try #require(store.outbox(workspaceID: admin.workspaceID).first)
        #expect(sent.state == "sent" && sent.attempts == 2 && sent.lastError == nil)
        let other = try store.createUser(workspaceName: "Other", email: "o@o.test", passwordHash: StoreTests.hash, role: .admin, now: now)
        #expect(try store.outbox(workspaceID: other.workspaceID).isEmpty && store.alerts(workspaceID: other.workspaceID).isEmpty)
    }

    @Test func historyIsPrunedButAnEmailStillQueuedIsKept() throws {
        try store.raiseAlert(alert(.step, "audience_gone"), now: now)
        try store.raiseAlert(alert(.integration, "auth_invalid"), now: now)
        let sent = try #require(store.mailDue(now: now).first)
        try store.markMailSent(id: sent.id, now: now)
        try store.recordActivity(stepID: step, [ActivityLine(at: now, users: 1, outcome: "ok", summary: "received 1, invalid 0",
                                                             latencyMilliseconds: 5, receipt: PartnerCounts(received: 1, invalid: 0))])
        #expect(try store.partnerFigures(stepID: step).received == 1)
        try store.pruneHistory(ledgerBefore: now, activityBefore: now)   // nothing is older than now
        #expect(try store.outbox(workspaceID: admin.workspaceID).count == 2 && store.activity(stepID: step).count == 1)
        try store.pruneHistory(ledgerBefore: now.addingTimeInterval(1), activityBefore: now.addingTimeInterval(1))
        #expect(try store.outbox(workspaceID: admin.workspaceID).map(\.state) == ["queued"])
        #expect(try store.activity(stepID: step).isEmpty)
        #expect(try store.partnerFigures(stepID: step).received == 1)   // the totals outlive the log
    }
}
