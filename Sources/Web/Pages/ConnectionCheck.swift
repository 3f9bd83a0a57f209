import Core
import FastCGI
import Partners

/// `POST /partners/{partner}/check`: asks the partner whether the token still works, and refreshes each chosen
/// ad account's name, reachability and terms status.
enum ConnectionCheck {
    static func handle(_ context: RequestContext, _ partner: PartnerID) throws -> Response {
        guard let connector = PartnerSupport.connector(context, partner) else { return PartnerSupport.unavailable(context, partner) }
        guard let connection = try PartnerSupport.connection(context, partner) else { return PartnerSupport.back(partner, .disconnected) }
        let store = context.app.store
        guard let token = PartnerSupport.token(context, connection) else {
            try store.recordConnectionHealth(connectionID: connection.id, status: .invalid, message: "The stored token can no longer be read. Reconnect.",
                                             expiresAt: nil, partnerUserName: nil, now: context.now)
            return PartnerSupport.back(partner, .checked)
        }
        do {
            let health = try connector.inspect(token: token, now: context.now)
            try store.recordConnectionHealth(connectionID: connection.id, status: health.isValid ? .valid : .invalid, message: health.problem,
                                             expiresAt: health.expiresAt, partnerUserName: nil, now: context.now)
            if health.isValid {
                try store.recordAdAccountHealth(connectionID: connection.id, reachable: try connector.adAccounts(token: token), now: context.now)
            }
        } catch let error as PartnerError {
            // A throttled or unreachable partner says nothing about the token: only auth errors mark it invalid.
            if case .authInvalid = error {
                try store.recordConnectionHealth(connectionID: connection.id, status: .invalid, message: error.message, expiresAt: nil,
                                                 partnerUserName: nil, now: context.now)
            } else {
                return try PartnerPage.render(context, partner, tokenError: nil,
                                              alert: "Could not check the connection: \(error.message)", status: 502)
            }
        }
        return PartnerSupport.back(partner, .checked)
    }
}
