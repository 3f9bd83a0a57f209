import Core
import FastCGI
import Foundation
import Storage

/// `GET /segments/{id}/export`: User Data → Export as Facebook Audience. The ad account (among those chosen on
/// the Facebook page) and the fields, one new audience per field, each with an editable name. Nothing is chosen in
/// advance: the account and the fields are the user's explicit choice, and an account that cannot receive users
/// is listed but not selectable, with the reason.
enum ExportForm {
    struct Content {
        let segmentName: String
        let size: String
        let isConnected: Bool
        let connectPath: String
        let accounts: [Option]
        let fields: [Field]
        let accountError: String?
        let fieldsError: String?
        let action: String
        let backPath: String
        let consentPolicy: ConsentPolicyNotice
        let csrfToken: String
    }

    struct Option {
        let value: String
        let label: String
        let isSelected: Bool
        /// Why the account cannot be chosen (the option is disabled), or nil.
        let reason: String?
    }

    struct Field {
        let value: String
        let label: String
        let isChecked: Bool
        let nameInput: String
        let name: String
        let nameError: String?
    }

    /// What the form holds when it is shown again with errors; nothing is chosen at first.
    struct Entered {
        var account: String?
        var fields: Set<ExportField> = []
        var names: [ExportField: String] = [:]
        var accountError: String?
        var fieldsError: String?
        var nameErrors: [ExportField: String] = [:]
    }

    /// One of the Facebook ad accounts chosen for the workspace, and why it cannot receive an export (nil: it can).
    struct Account {
        let account: SelectedAdAccount
        let reason: String?
    }

    static func handle(_ context: RequestContext, _ id: Int64) throws -> Response {
        try render(context, id, Entered(), status: 200)
    }

    /// The workspace's Facebook ad accounts (chosen on the partner page), each with its usability, or nil when
    /// Facebook is not connected or its token is invalid.
    static func accounts(_ context: RequestContext) throws -> [Account]? {
        guard let connection = try context.app.store.connection(workspaceID: context.user.workspaceID, partner: .facebook),
              connection.status == .valid else { return nil }
        let live = AccountUsability.live(context, connection)
        return try context.app.store.adAccounts(connectionID: connection.id).map {
            Account(account: $0, reason: AccountUsability.reason($0, live: live, partner: .facebook))
        }
    }

    static func render(_ context: RequestContext, _ id: Int64, _ entered: Entered, status: Int) throws -> Response {
        let store = context.app.store
        let segment = try store.segment(workspaceID: context.user.workspaceID, id: id)
        let size = try segment.criteria.map { c throws(StoreError) in try store.countProfiles(workspaceID: context.user.workspaceID, matching: c, now: context.now) } ?? 0
        let accounts = try Self.accounts(context) ?? []
        let content = Content(
            segmentName: segment.name, size: "\(size.formatted()) user\(size == 1 ? "" : "s")",
            isConnected: !accounts.isEmpty, connectPath: SiteRoute.partner(.facebook).path,
            accounts: accounts.map { choice in
                let account = choice.account
                return Option(value: account.externalID, label: "\(account.name) (\(account.externalID))",
                              isSelected: choice.reason == nil && account.externalID == entered.account, reason: choice.reason)
            },
            fields: ExportField.allCases.map { field in
                Field(value: field.rawValue, label: field.label, isChecked: entered.fields.contains(field), nameInput: "name_\(field.rawValue)",
                      name: entered.names[field] ?? field.defaultAudienceName(segment: segment.name, on: context.now),
                      nameError: entered.nameErrors[field])
            },
            accountError: entered.accountError, fieldsError: entered.fieldsError, action: SiteRoute.segmentExportForm(id).path,
            backPath: SiteRoute.segment(id).path, consentPolicy: try ConsentPolicyNotice.of(context), csrfToken: context.session?.csrfToken ?? "")
        return context.renderer.page("segment_export_form", shell: context.shell(title: "Export \(segment.name)", section: "segments"),
                                     content: content, status: status)
    }
}
