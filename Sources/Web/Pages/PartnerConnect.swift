import Core
import FastCGI

/// `POST /partners/{partner}/connect`: starts the OAuth flow with a fresh single-use `state`.
enum PartnerConnect {
    static func handle(_ context: RequestContext, _ partner: PartnerID) throws -> Response {
        guard let connector = PartnerSupport.connector(context, partner) else { return PartnerSupport.unavailable(context, partner) }
        let state = SecureToken.make(byteCount: OAuthStatePolicy.byteCount)
        try context.app.store.saveOAuthState(stateHash: SecureToken.digest(state), sessionHash: context.session!.idHash,
                                             partner: partner, now: context.now)
        // The redirect URI comes from the configured base URL, never from the request's Host header.
        let url = connector.authorizationURL(redirectURI: context.app.config.redirectURI(for: partner), state: state,
                                             codeVerifier: PartnerConnect.codeVerifier(context, state: state))
        return Response.redirect(to: url)
    }

    /// The flow's PKCE verifier: derived from its state under the installation's key, so nothing more is stored and
    /// only this installation can present it at the token endpoint.
    static func codeVerifier(_ context: RequestContext, state: String) -> String {
        context.app.tokenBox.derivedSecret(purpose: "pkce", input: state)
    }
}
