import Core
import FastCGI
import Partners

/// `GET /oauth/callback/{partner}`: checks `state`, exchanges the code, stores the sealed token,
/// and moves on to a clean URL (no code or state left in the address bar or history).
///
/// The state is consumed before anything else, so a callback can never be replayed, whatever it carried.
enum OAuthCallback {
    struct Content {
        let heading: String
        let explanation: String
        let advice: String
        let partnerPath: String
    }

    static func handle(_ context: RequestContext, _ partner: PartnerID) throws -> Response {
        guard let connector = PartnerSupport.connector(context, partner) else { return PartnerSupport.unavailable(context, partner) }
        let query = context.request.query
        if let problem = try stateProblem(context, partner) {
            context.audit(.partnerConnectRefused, detail: "\(partner.rawValue): state \(problem.rawValue)")
            return failure(context, partner, "The connection was not made", problem.explanation,
                           "Nothing was changed. Start again with the Connect button.", status: 400)
        }
        if let error = query["error"] {
            // RFC 6749's `access_denied`; LinkedIn says `user_cancelled_authorize` / `user_cancelled_login`.
            let denied = ["access_denied", "user_cancelled_authorize", "user_cancelled_login"].contains(error)
            return failure(context, partner, denied ? "You cancelled the connection" : "The partner refused the connection",
                           denied ? "Permission to manage ads was not granted, so AudienceSync cannot sync audiences."
                                  : "The partner answered: \(query["error_description"] ?? error).",
                           "Nothing was changed. Connect again when you are ready.", status: 400)
        }
        // TikTok's consent page sends `auth_code`; every other partner `code`.
        guard let code = query["code"] ?? query["auth_code"], !code.isEmpty else {
            return failure(context, partner, "The connection was not made", "The partner sent no authorization code.",
                           "Nothing was changed. Start again with the Connect button.", status: 400)
        }
        do {
            let verifier = PartnerConnect.codeVerifier(context, state: query["state"] ?? "")
            let token = try connector.completeAuthorization(code: code, redirectURI: context.app.config.redirectURI(for: partner),
                                                            codeVerifier: verifier, now: context.now)
            _ = try PartnerSupport.save(context, partner, token: token, kind: .oauth)
            context.audit(.partnerConnected, detail: "\(partner.rawValue) by OAuth")
        } catch PartnerError.permissionDenied(let message) {
            // The person unticked a permission the sync needs (reliability.md O-12): say which, store nothing.
            context.audit(.partnerConnectRefused, detail: "\(partner.rawValue): a required permission was not granted")
            return failure(context, partner, "A permission is missing", message,
                           "Nothing was changed, and no sync will start. Connect again and keep every permission AudienceSync asks for.",
                           status: 400)
        } catch let error as PartnerError {
            context.audit(.partnerConnectRefused, detail: "\(partner.rawValue): code exchange failed (\(error.className))")
            return failure(context, partner, "The connection was not made", "\(PartnerInfo.of(partner).displayName) did not accept the sign-in: \(error.message)",
                           "Nothing was changed. Try connecting again; if it keeps failing, check the app's client id and secret.", status: 502)
        }
        return Response.redirect(to: SiteRoute.partnerAccounts(partner).path + "?notice=" + Notice.connected.rawValue)
            .adding("Referrer-Policy", "no-referrer")
    }

    /// Consumes the presented state and says what is wrong with it, if anything.
    private static func stateProblem(_ context: RequestContext, _ partner: PartnerID) throws -> OAuthStateProblem? {
        guard let state = context.request.query["state"], !state.isEmpty, state.count <= 256 else { return .missing }
        guard let record = try context.app.store.takeOAuthState(stateHash: SecureToken.digest(state)) else { return .unknown }
        let issuedFor = PartnerID(rawValue: record.partner) ?? partner
        return OAuthStatePolicy.problem(issuedTo: record.sessionHash, partner: issuedFor, issuedAt: record.createdAt,
                                        presentedBy: context.session!.idHash, at: partner, now: context.now)
    }

    private static func failure(_ context: RequestContext, _ partner: PartnerID, _ heading: String, _ explanation: String,
                                _ advice: String, status: Int) -> Response {
        let content = Content(heading: heading, explanation: explanation, advice: advice, partnerPath: SiteRoute.partner(partner).path)
        return context.renderer.page("oauth_error", shell: context.shell(title: heading, section: "partners"), content: content, status: status)
            .adding("Referrer-Policy", "no-referrer")
    }
}
