import Core
import FastCGI
import Foundation
import Storage

/// `GET /segments/{id}/export`: User Data → Export as Facebook Audience. The ad account (among those chosen on
/// the Facebook page) and the fields, one new audience per field, each with an editable name.
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
    }

    struct Field {
        let value: String
        let label: String
        let isChecked: Bool
        let nameInput: String
        let name: String
        let nameError: String?
    }

    /// What the form holds when it is shown again with errors.
    struct Entered {
        var account: String?
        var fields: Set<ExportField> = [.email]
        var names: [ExportField: String] = [:]
        var accountError: String?
        var fieldsError: String?
        var nameErrors: [ExportField: String] = [:]
    }

    static func handle(_ context: RequestContext, _ id: Int64) throws -> Response {
        try render(context, id, Entered(), status: 200)
    }

    /// The workspace's usable Facebook ad accounts (chosen on the partner page and still reachable), or nil when
    /// Facebook is not connected or its token is invalid.
    static func accounts(_ context: RequestContext) throws -> [SelectedAdAccount]? {
        guard let connection = try context.app.store.connection(workspaceID: context.user.workspaceID, partner: .facebook),
              connection.status == .valid else { return nil }
        return try context.app.store.adAccounts(connectionID: connection.id).filter(\.isAccessible)
    }

    static func render(_ context: RequestContext, _ id: Int64, _ entered: Entered, status: Int) throws -> Response {
        let store = context.app.store
        let segment = try store.segment(workspaceID: context.user.workspaceID, id: id)
        let size = try segment.criteria.map { c throws(StoreError) in try store.countProfiles(workspaceID: context.user.workspaceID, matching: c) } ?? 0
        let accounts = try Self.accounts(context) ?? []
        let content = Content(
            segmentName: segment.name, size: "\(size.formatted()) user\(size == 1 ? "" : "s")",
            isConnected: !accounts.isEmpty, connectPath: SiteRoute.partner(.facebook).path,
            accounts: accounts.map { Option(value: $0.externalID, label: "\($0.name) (\($0.externalID))", isSelected: $0.externalID == entered.account) },
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

/// `POST /segments/{id}/export`: checks the form and starts the export (it runs in the background).
enum ExportStart {
    static func handle(_ context: RequestContext, _ id: Int64) throws -> Response {
        let store = context.app.store
        let form = context.request.form
        let segment = try store.segment(workspaceID: context.user.workspaceID, id: id)
        var entered = ExportForm.Entered()
        entered.account = form["ad_account"]
        entered.fields = Set(form.all("field").compactMap(ExportField.init(rawValue:)))
        for field in ExportField.allCases {
            entered.names[field] = (form["name_\(field.rawValue)"] ?? "").trimmingCharacters(in: .whitespaces)
        }
        let accounts = try ExportForm.accounts(context) ?? []
        if !accounts.contains(where: { $0.externalID == entered.account }) { entered.accountError = "Choose one of the Facebook ad accounts." }
        if entered.fields.isEmpty { entered.fieldsError = "Choose at least one field to export." }
        for field in entered.fields {
            let name = entered.names[field] ?? ""
            if name.isEmpty { entered.nameErrors[field] = "Give the \(field.label) audience a name." }
            else if name.count > 200 { entered.nameErrors[field] = "Use at most 200 characters." }
            else if let problem = TextRules.controlCharacterProblem(name) { entered.nameErrors[field] = problem }
        }
        guard let criteria = segment.criteria else {
            entered.fieldsError = "This segment's filters cannot be read; fix them before exporting."
            return try ExportForm.render(context, id, entered, status: 422)
        }
        guard entered.accountError == nil, entered.fieldsError == nil, entered.nameErrors.isEmpty, let account = entered.account else {
            return try ExportForm.render(context, id, entered, status: 422)
        }
        let audiences = ExportField.allCases.filter(entered.fields.contains).map { (field: $0, name: entered.names[$0] ?? "") }
        let export = try store.startExport(NewExport(workspaceID: context.user.workspaceID, segment: segment, criteria: criteria, adAccountID: account,
                                                     audiences: audiences, startedBy: context.user.id), now: context.now)
        return Response.redirect(to: SiteRoute.segmentExport(id, export.id).path)
    }
}
