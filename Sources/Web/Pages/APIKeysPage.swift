import Core
import FastCGI
import Storage

/// `GET /settings/api-keys`: the workspace's REST API keys; creating one shows it once.
enum APIKeysPage {
    struct Content {
        let keys: [KeyView]
        let hasKeys: Bool
        let newKey: String?
        let nameError: String?
        let name: String
        let action: String
        let csrfToken: String
        let trackPath: String
    }

    struct KeyView {
        let name: String
        let prefix: String
        let createdAt: String
        let createdBy: String
        let isRevoked: Bool
        let revokedAt: String
        let revokePath: String
    }

    static func handle(_ context: RequestContext) throws -> Response {
        let newKey = context.secrets.take(session: context.session!.idHash, now: context.now)
        return try render(context, newKey: newKey, nameError: nil, name: "", status: 200)
    }

    static func render(_ context: RequestContext, newKey: String?, nameError: String?, name: String, status: Int) throws -> Response {
        let keys = try context.app.store.apiKeys(workspaceID: context.user.workspaceID).map { key in
            KeyView(name: key.name, prefix: key.keyPrefix, createdAt: Formats.dateTime(key.createdAt), createdBy: key.createdByEmail ?? "a deleted user",
                    isRevoked: key.revokedAt != nil, revokedAt: key.revokedAt.map(Formats.dateTime) ?? "",
                    revokePath: SiteRoute.apiKeyRevoke(key.id).path)
        }
        let content = Content(keys: keys, hasKeys: !keys.isEmpty, newKey: newKey, nameError: nameError, name: name,
                              action: SiteRoute.settingsAPIKeys.path, csrfToken: context.session?.csrfToken ?? "",
                              trackPath: context.app.config.baseURL + SiteRoute.apiUsersTrack.path)
        return context.renderer.page("api_keys", shell: context.shell(title: "API keys", section: "settings"), content: content, status: status)
    }
}

/// `POST /settings/api-keys`: creates a key and shows it once; only its digest is stored.
enum APIKeyCreate {
    static func handle(_ context: RequestContext) throws -> Response {
        let name = (context.request.form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        if let problem = APIKeyRules.nameProblem(name) {
            return try APIKeysPage.render(context, newKey: nil, nameError: problem, name: name, status: 422)
        }
        let key = APIKeyRules.make()
        try context.app.store.createAPIKey(workspaceID: context.user.workspaceID, name: name, keyHash: SecureToken.digest(key),
                                           keyPrefix: APIKeyRules.displayPrefix(key), createdBy: context.user.id, now: context.now)
        context.audit(.apiKeyCreated, detail: "\(APIKeyRules.displayPrefix(key)) \(name)")
        // Post/redirect/get: the next page view shows the key once; a refresh cannot create a second key.
        context.secrets.put(key, session: context.session!.idHash, now: context.now)
        return Response.redirect(to: SiteRoute.settingsAPIKeys.path)
    }
}

/// `POST /settings/api-keys/{id}/revoke`: the key stops working at once.
enum APIKeyRevoke {
    static func handle(_ context: RequestContext, _ id: Int64) throws -> Response {
        try context.app.store.revokeAPIKey(workspaceID: context.user.workspaceID, id: id, now: context.now)
        context.audit(.apiKeyRevoked, detail: "key \(id)")
        return Response.redirect(to: SiteRoute.settingsAPIKeys.path + "?notice=" + Notice.keyRevoked.rawValue)
    }

    /// Asked first: which key stops working, and that this cannot be undone.
    static func confirmation(_ context: RequestContext, _ id: Int64) throws -> ConfirmGate {
        guard let key = try context.app.store.apiKeys(workspaceID: context.user.workspaceID).first(where: { $0.id == id }) else {
            throw StoreError.notFound
        }
        // Revoking again changes nothing: let the handler answer as before.
        guard key.revokedAt == nil else { return .proceed }
        return .ask { Confirmation(title: "Revoke the API key “\(key.name)”?",
                                 effect: "Every request using the key \(key.keyPrefix)… is refused from the moment you confirm. "
                                     + "A revoked key cannot be restored: clients using it need a new key.",
                                 button: "Revoke key", cancelPath: SiteRoute.settingsAPIKeys.path) }
    }
}
