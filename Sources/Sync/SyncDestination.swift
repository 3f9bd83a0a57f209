import Core
import Foundation
import Partners
import Storage

/// Where a step's items go: the partner's client, the opened token, the audience and the action.
struct SyncDestination {
    let stepID: Int64
    let partner: PartnerID
    let account: String
    let audienceID: String
    let action: AudienceAction
    let connectionID: Int64
    /// The connection as read for this batch (its refresh token lets a refused access token be renewed once).
    let connection: Connection
    let token: String
    let uploader: any AudienceUploader
    /// The workspace's consent policy, read with the destination for each batch: claiming applies it.
    let policy: ConsentPolicy

    /// Why a destination cannot be used now; its items stay pending (until fixed, or until the deadline).
    struct Unavailable: Error {
        let errorClass: String
        let message: String
        /// The partner and connection concerned, when known (for alerts).
        var partner: PartnerID? = nil
        var connectionID: Int64? = nil
    }

    /// Resolves a step into its destination, reading the connection and the audiences recorded at launch.
    static func resolve(stepID: Int64, store: Store, tokens: ConnectionTokens,
                        connectors: [PartnerID: any PartnerConnector], forceRefresh: Bool = false) throws -> Result<SyncDestination, Unavailable> {
        guard let owner = try store.owner(ofStep: stepID) else { return .failure(Unavailable(errorClass: "step_gone", message: "The step no longer exists.")) }
        let steps = try store.steps(canvasID: owner.canvasID)
        guard let step = steps.first(where: { $0.id == stepID }), case .audienceSync(let config) = step.kind,
              let partner = config.partner, let account = config.adAccountID, let connector = connectors[partner] else {
            return .failure(Unavailable(errorClass: "step_incomplete", message: "The step has no partner ad account."))
        }
        let name = PartnerInfo.of(partner).displayName
        guard let connection = try store.connection(workspaceID: owner.workspaceID, partner: partner) else {
            return .failure(Unavailable(errorClass: "connection_missing", message: "\(name) is disconnected. Connect it again to send these users.",
                                        partner: partner))
        }
        guard connection.status == .valid else {
            return .failure(Unavailable(errorClass: "auth_invalid", message: connection.statusMessage ?? "The \(name) token is invalid. Reconnect \(name).",
                                        partner: partner, connectionID: connection.id))
        }
        let token: String
        switch tokens.accessToken(connection, force: forceRefresh) {
        case .success(let value): token = value
        case .failure(let problem):
            return .failure(Unavailable(errorClass: problem.errorClass, message: problem.message, partner: partner, connectionID: connection.id))
        }
        guard let audienceID = audienceID(config.audience, steps: steps) else {
            return .failure(Unavailable(errorClass: "audience_missing", message: "The audience was not created at \(name). Launch the canvas again.",
                                        partner: partner, connectionID: connection.id))
        }
        return .success(SyncDestination(stepID: stepID, partner: partner, account: account, audienceID: audienceID, action: config.action,
                                        connectionID: connection.id, connection: connection, token: token, uploader: connector,
                                        policy: try store.consentPolicy(workspaceID: owner.workspaceID)))
    }

    private static func audienceID(_ choice: AudienceChoice?, steps: [CanvasStep]) -> String? {
        switch choice {
        case .new(_, let id): return id
        case .existing(let id, _): return id
        case .fromStep(let source):
            guard let origin = steps.first(where: { $0.id == source }), case .audienceSync(let config) = origin.kind,
                  case .new(_, let id) = config.audience else { return nil }
            return id
        case nil: return nil
        }
    }
}
