import FastCGI
import Foundation
import GRDB

/// The consent page: checked before anything is shown (client id, exact redirect URI, response type, scopes),
/// then a form whose approve button is `id="allow"` and whose cancel button is `id="deny"`.
extension OAuthKit {
    struct ConsentModel {
        struct Scope { let name: String; let words: String }
        struct Field { let name: String; let value: String }
        let title: String
        let brand: String
        let appName: String
        let userName: String
        let scopes: [Scope]
        let action: String
        let fields: [Field]
    }

    struct ErrorModel: Error {
        let title: String
        let heading: String
        let message: String
        let detail: String?
    }

    private struct Checked {
        let clientID: String
        let redirectURI: String
        let state: String?
        let scopes: [String]
        let fields: [(String, String)]
    }

    /// `GET` shows the page; `POST` with `decision=allow|deny` redirects to the app with `code`+`state`, or
    /// `error=access_denied`+`state`. Nothing ever redirects to a redirect URI the app did not register.
    func consent(_ request: Request, context: SandboxContext, app: SandboxApp) -> Response {
        let params = request.method == "POST" ? request.form : request.query
        let checked: Checked
        switch check(params, app: app) {
        case .success(let value): checked = value
        case .failure(let page): return context.pages.render(settings.errorTemplate, page, status: 400)
        }
        if request.method == "GET" || request.method == "HEAD" {
            let model = ConsentModel(
                title: "\(settings.brand): allow \(app.name)?", brand: settings.brand, appName: app.name, userName: settings.userName,
                scopes: checked.scopes.map { ConsentModel.Scope(name: $0, words: settings.scopes[$0] ?? $0) },
                action: request.path, fields: checked.fields.map { ConsentModel.Field(name: $0.0, value: $0.1) })
            return context.pages.render(settings.consentTemplate, model)
        }
        guard request.method == "POST" else { return SandboxRouter.notFound(request, context: context) }
        var query: [(String, String)]
        switch params["decision"] {
        case "allow":
            do {
                let code = try issueCode(checked, context: context)
                query = [("code", code)]
            } catch {
                return Knob.storeFailure(error)
            }
        case "deny":
            query = [("error", "access_denied"), ("error_description", "The user denied access")]
        default:
            let page = ErrorModel(title: "Error", heading: "Nothing chosen", message: "Choose Allow or Cancel to answer the request.", detail: nil)
            return context.pages.render(settings.errorTemplate, page, status: 400)
        }
        if let state = checked.state { query.append(("state", state)) }
        let separator = checked.redirectURI.contains("?") ? "&" : "?"
        let location = checked.redirectURI + separator + query.map { URLEncoding.encode($0.0) + "=" + URLEncoding.encode($0.1) }.joined(separator: "&")
        return Response(status: 302, headers: [("Location", location), ("Cache-Control", "no-store")])
    }

    private func issueCode(_ checked: Checked, context: SandboxContext) throws -> String {
        let code = settings.prefix + "-code-" + Self.random(40)
        try context.store.write { db in
            let now = try context.store.now(db).timeIntervalSince1970
            try db.execute(sql: """
                INSERT INTO \(settings.prefix)_codes (code, client_id, redirect_uri, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [code, checked.clientID, checked.redirectURI, checked.scopes.joined(separator: " "), now, now + Self.codeLifetime])
        }
        return code
    }

    private func check(_ params: FormValues, app: SandboxApp) -> Result<Checked, ErrorModel> {
        guard let clientID = params["client_id"], clientID == app.clientID else {
            return .failure(ErrorModel(title: "Error", heading: "Unknown application", message: "The client_id does not name a registered application.",
                                       detail: params["client_id"].map { "client_id: \($0)" } ?? "No client_id was given."))
        }
        guard let redirectURI = params["redirect_uri"], app.redirectURIs.contains(redirectURI) else {
            return .failure(ErrorModel(title: "Error", heading: "Invalid redirect URI",
                                       message: "The redirect_uri does not exactly match a redirect URI registered for this application.",
                                       detail: params["redirect_uri"].map { "redirect_uri: \($0)" } ?? "No redirect_uri was given."))
        }
        guard params["response_type"] == "code" else {
            return .failure(ErrorModel(title: "Error", heading: "Unsupported response_type", message: "response_type must be code.",
                                       detail: params["response_type"].map { "response_type: \($0)" }))
        }
        var scopes: [String] = []
        for piece in (params["scope"] ?? "").split(whereSeparator: { settings.scopeSeparators.contains($0) }) where !scopes.contains(String(piece)) {
            scopes.append(String(piece))
        }
        let unknown = settings.scopes.isEmpty ? [] : scopes.filter { settings.scopes[$0] == nil }
        let missing = settings.requiredScopes.filter { !scopes.contains($0) }
        guard unknown.isEmpty, missing.isEmpty else {
            return .failure(ErrorModel(title: "Error", heading: "Invalid scope",
                                       message: "Unknown scopes: \(unknown.joined(separator: ", ")); required: \(settings.requiredScopes.joined(separator: ", ")).",
                                       detail: params["scope"].map { "scope: \($0)" }))
        }
        let state = params["state"].flatMap { $0.isEmpty ? nil : $0 }
        var fields = [("client_id", clientID), ("redirect_uri", redirectURI), ("response_type", "code"), ("scope", params["scope"] ?? "")]
        if let state { fields.append(("state", state)) }
        return .success(Checked(clientID: clientID, redirectURI: redirectURI, state: state, scopes: scopes, fields: fields))
    }
}
