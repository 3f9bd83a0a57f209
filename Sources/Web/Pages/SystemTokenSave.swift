import Core
import FastCGI
import Partners

/// `POST /partners/{partner}/token`: stores a pasted system-user token after the partner accepted it.
enum SystemTokenSave {
    static func handle(_ context: RequestContext, _ partner: PartnerID) throws -> Response {
        guard let connector = PartnerSupport.connector(context, partner) else { return PartnerSupport.unavailable(context, partner) }
        let pasted = (context.request.form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !pasted.isEmpty else {
            return try PartnerPage.render(context, partner, tokenError: "Paste the system user token.", status: 422)
        }
        guard pasted.count <= 4096, pasted.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            return try PartnerPage.render(context, partner, tokenError: "That does not look like a token: it has spaces or unusual characters.", status: 422)
        }
        let token: PartnerToken
        do {
            token = try connector.validatePastedToken(pasted, now: context.now)
        } catch {
            return try PartnerPage.render(context, partner,
                                          tokenError: "\(PartnerInfo.of(partner).displayName) did not accept this token: \(error.message)", status: 422)
        }
        _ = try PartnerSupport.save(context, partner, token: token, kind: .systemUser)
        context.audit(.partnerConnected, detail: "\(partner.rawValue) by system-user token")
        return Response.redirect(to: SiteRoute.partnerAccounts(partner).path + "?notice=" + Notice.tokenSaved.rawValue)
    }
}
