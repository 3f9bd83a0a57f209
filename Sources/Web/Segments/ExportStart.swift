import Core
import FastCGI
import Foundation
import Storage

/// `POST /segments/{id}/export`: checks the form, confirms what leaves for where, and starts the export (it runs
/// in the background).
enum ExportStart {
    /// A checked form: the segment, the account and the audiences to create.
    struct Plan {
        let segment: Segment
        let criteria: EntryCriteria
        let account: SelectedAdAccount
        let audiences: [(field: ExportField, name: String)]
    }

    /// The form checked: a plan, or the form to show again with each problem next to its field.
    enum Checked {
        case plan(Plan)
        case refused(ExportForm.Entered)
    }

    static func handle(_ context: RequestContext, _ id: Int64) throws -> Response {
        switch try check(context, id) {
        case .refused(let entered):
            return try ExportForm.render(context, id, entered, status: 422)
        case .plan(let plan):
            let export = try context.app.store.startExport(NewExport(workspaceID: context.user.workspaceID, segment: plan.segment, criteria: plan.criteria,
                                                                     adAccountID: plan.account.externalID, audiences: plan.audiences,
                                                                     startedBy: context.user.id), now: context.now)
            return Response.redirect(to: SiteRoute.segmentExport(id, export.id).path)
        }
    }

    /// An export sends personal data to Facebook: a valid form is asked about first, an invalid one shown again.
    static func gate(_ context: RequestContext, _ id: Int64) throws -> ConfirmGate {
        // Confirmed: the handler checks the form once more (a live look at the ad accounts) and refuses it itself.
        if Confirm.isConfirmed(context) { return .proceed }
        switch try check(context, id) {
        case .refused(let entered): return .refuse(try ExportForm.render(context, id, entered, status: 422))
        case .plan(let plan): return .ask { try confirmation(context, plan) }
        }
    }

    static func check(_ context: RequestContext, _ id: Int64) throws -> Checked {
        let form = context.request.form
        let segment = try context.app.store.segment(workspaceID: context.user.workspaceID, id: id)
        var entered = ExportForm.Entered()
        entered.account = form["ad_account"]
        entered.fields = Set(form.all("field").compactMap(ExportField.init(rawValue:)))
        for field in ExportField.allCases {
            entered.names[field] = (form["name_\(field.rawValue)"] ?? "").trimmingCharacters(in: .whitespaces)
        }
        let chosen = (try ExportForm.accounts(context) ?? []).first { $0.account.externalID == entered.account }
        if let chosen, let reason = chosen.reason { entered.accountError = "This ad account cannot receive an export: \(reason)." }
        if chosen == nil { entered.accountError = "Choose one of the Facebook ad accounts." }
        if entered.fields.isEmpty { entered.fieldsError = "Choose at least one field to export." }
        for field in entered.fields {
            let name = entered.names[field] ?? ""
            if name.isEmpty { entered.nameErrors[field] = "Give the \(field.label) audience a name." }
            else if name.count > 200 { entered.nameErrors[field] = "Use at most 200 characters." }
            else if let problem = TextRules.controlCharacterProblem(name) { entered.nameErrors[field] = problem }
        }
        guard let criteria = segment.criteria else {
            entered.fieldsError = "This segment's filters cannot be read; fix them before exporting."
            return .refused(entered)
        }
        guard entered.accountError == nil, entered.fieldsError == nil, entered.nameErrors.isEmpty, let account = chosen?.account else {
            return .refused(entered)
        }
        let audiences = ExportField.allCases.filter(entered.fields.contains).map { (field: $0, name: entered.names[$0] ?? "") }
        return .plan(Plan(segment: segment, criteria: criteria, account: account, audiences: audiences))
    }

    /// "Export sends up to 120 users' hashed emails to the Facebook ad account Demo (act_1001)", per field.
    private static func confirmation(_ context: RequestContext, _ plan: Plan) throws -> Confirmation {
        let store = context.app.store
        var parts: [String] = []
        var details: [String] = []
        for audience in plan.audiences {
            let having = plan.criteria.adding(AttributeFilter(attribute: audience.field.rawValue, op: .exists), toGroup: nil)
            let count = try store.countProfiles(workspaceID: context.user.workspaceID, matching: having, now: context.now)
            parts.append("up to \(count.formatted()) users' hashed \(plural(audience.field))")
            details.append("A new audience “\(audience.name)” for \(audience.field.label.lowercased()): \(count.formatted()) users of the segment have one.")
        }
        let account = "\(plan.account.name) (\(plan.account.externalID))"
        return Confirmation(title: "Export “\(plan.segment.name)” to Facebook?",
                            effect: "Export sends " + parts.joined(separator: " and ") + " to the Facebook ad account \(account), "
                                + "creating \(plan.audiences.count) new audience\(plan.audiences.count == 1 ? "" : "s") there.",
                            details: details, button: "Export segment", cancelPath: SiteRoute.segmentExportForm(plan.segment.id).path,
                            isDangerous: false)
    }

    private static func plural(_ field: ExportField) -> String {
        switch field {
        case .email: "emails"
        case .phone: "phone numbers"
        case .idfa: "device IDFAs"
        }
    }
}
