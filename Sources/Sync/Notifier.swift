import Core
import Foundation
import Logging
import Storage

/// Turns what the engine sees into alerts: a problem someone must fix is raised once (its email queued in the
/// same transaction), and cleared once sending works again. Routine trouble — throttling, transient errors,
/// removals waiting for a larger audience — alerts nobody.
struct Notifier: Sendable {
    let store: Store
    /// The dashboard's base URL, for links in emails.
    let baseURL: String
    let logger: Logger

    /// A step's items hit a problem of `errorClass`; `connectionID` is the connection used, when there is one.
    func problem(stepID: Int64, connectionID: Int64?, partner: PartnerID?, errorClass: String, message: String, now: Date) {
        guard let kind = AlertKind.of(errorClass: errorClass) else { return }
        do {
            guard let owner = try store.owner(ofStep: stepID) else { return }
            let partnerName = partner.map { PartnerInfo.of($0).displayName } ?? "the partner"
            let alert: Alert
            switch kind {
            case .integration:
                guard let connectionID, let partner else { return }
                alert = Alert(kind: .integration, workspaceID: owner.workspaceID, subjectID: connectionID, errorClass: errorClass,
                              title: Alert.title(errorClass: errorClass, partner: partnerName, place: "\(partnerName) connection"),
                              detail: "\(partnerName) said: \(message)\n\nReconnect \(partnerName) on the Technology Partners page.",
                              link: baseURL + "/partners/\(partner.rawValue)")
            case .export:
                return   // a step's problem is never an export's (exports raise theirs themselves)
            case .step:
                let canvas = try store.canvas(workspaceID: owner.workspaceID, id: owner.canvasID)
                let number = (try store.steps(canvasID: owner.canvasID).firstIndex { $0.id == stepID } ?? 0) + 1
                alert = Alert(kind: .step, workspaceID: owner.workspaceID, subjectID: stepID, errorClass: errorClass,
                              title: Alert.title(errorClass: errorClass, partner: partnerName, place: "Canvas “\(canvas.name)”, step \(number)"),
                              detail: "\(partnerName) said: \(message)",
                              link: baseURL + "/canvases/\(owner.canvasID)/steps/\(stepID)")
            }
            if try store.raiseAlert(alert, now: now) {
                logger.notice("alert raised: \(alert.key)")
            }
        } catch {
            logger.error("could not record an alert for step \(stepID): \(error)")
        }
    }

    /// A connection's sign-in ends at `date` unless someone reconnects: told once (the alert stays open until a
    /// reconnect clears it).
    func expiring(_ connection: Connection, at date: Date, now: Date) {
        let name = PartnerInfo.of(connection.partner).displayName
        let days = max(0, Int(date.timeIntervalSince(now) / 86_400))
        let alert = Alert(kind: .integration, workspaceID: connection.workspaceID, subjectID: connection.id, errorClass: "token_expiring",
                          title: Alert.title(errorClass: "token_expiring", partner: name, place: "\(name) connection"),
                          detail: "The \(name) sign-in ends on \(UTCDate(date).dayAndTime) (in \(days) day(s)). After that nothing more "
                              + "is sent to \(name). Reconnect \(name) on the Technology Partners page before then.",
                          link: baseURL + "/partners/\(connection.partner.rawValue)")
        do {
            if try store.raiseAlert(alert, now: now) { logger.notice("alert raised: \(alert.key)") }
        } catch {
            logger.error("could not record the expiry alert of connection \(connection.id): \(error)")
        }
    }

    /// A step's items went through: its problems, and its connection's, are over.
    func working(stepID: Int64, connectionID: Int64, now: Date) {
        do {
            try store.clearAlerts(.step, subjectID: stepID, now: now)
            try store.clearAlerts(.integration, subjectID: connectionID, now: now)
        } catch {
            logger.error("could not clear the alerts of step \(stepID): \(error)")
        }
    }
}
