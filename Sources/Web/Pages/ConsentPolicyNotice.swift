import Core

/// The workspace consent policy as the canvas page and the export form show it, read-only, above what they edit.
struct ConsentPolicyNotice {
    let sentence: String
    let path: String

    static func of(_ context: RequestContext) throws -> ConsentPolicyNotice {
        ConsentPolicyNotice(sentence: try context.app.store.consentPolicy(workspaceID: context.user.workspaceID).sentence,
                            path: SiteRoute.settingsPrivacy.path)
    }
}
