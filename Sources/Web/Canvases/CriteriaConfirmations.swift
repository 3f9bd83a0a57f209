import Core
import FastCGI
import Storage

/// Entry-criteria edits of a canvas, confirmed with their effect. On a launched (live) canvas the criteria apply
/// to new entries at once, so every edit is confirmed, and a member may not weaken a consent condition there:
/// neither remove one nor add an alternative ("OR") to its condition.
enum CriteriaConfirmations {
    static func gate(_ context: RequestContext, _ canvas: Canvas, adding: Bool) throws -> ConfirmGate {
        let criteria = CriteriaStorage.decode(canvas.entryCriteriaJSON) ?? EntryCriteria.everyone
        let edit = adding ? addition(context.request.form, criteria) : removal(context.request.form, criteria)
        // A form that names no filter is answered by the handler (an error next to the field, or nothing to do).
        guard let edit else { return .proceed }
        let live = canvas.status != .draft
        guard live || !adding else { return .proceed }    // narrowing a draft sends nothing: no question to ask
        if live, let consent = edit.weakenedConsent, context.user.role != .admin {
            return .refuse(Confirm.refusal(context, title: "Admins only",
                                           message: "Only a workspace admin can \(adding ? "add an alternative to" : "remove") the consent condition "
                                               + "“\(consent.summary)” of the live canvas “\(canvas.name)”: it keeps users who did not consent "
                                               + "out of the partners' audiences. Nothing was changed.",
                                           backPath: CanvasPage.Paths.editCriteria(canvas.id)))
        }
        return .ask { try confirmation(context, canvas, edit, before: criteria, live: live) }
    }

    /// One proposed edit: the filter it adds or removes, the criteria after it, and the consent condition it
    /// weakens, if any.
    struct Edit {
        let filter: AttributeFilter
        let isAddition: Bool
        let after: EntryCriteria
        let weakenedConsent: AttributeFilter?
    }

    /// Whether `filter` is a consent condition (``ConsentAttributes``).
    static func isConsent(_ filter: AttributeFilter) -> Bool {
        // An event named like a consent attribute is still an event.
        !filter.op.isActivity && ConsentAttributes.suggested.contains { $0.attribute == filter.attribute }
    }

    private static func removal(_ form: FormValues, _ criteria: EntryCriteria) -> Edit? {
        guard let group = Int(form["group"] ?? ""), let index = Int(form["filter"] ?? ""),
              criteria.groups.indices.contains(group), criteria.groups[group].indices.contains(index) else { return nil }
        let filter = criteria.groups[group][index]
        return Edit(filter: filter, isAddition: false, after: criteria.removing(group: group, filter: index),
                    weakenedConsent: isConsent(filter) ? filter : nil)
    }

    private static func addition(_ form: FormValues, _ criteria: EntryCriteria) -> Edit? {
        guard let op = FilterOperator(rawValue: form["op"] ?? "") else { return nil }
        let filter = AttributeFilter.edited(attribute: form["attribute"] ?? "", op: op, value: form["value"] ?? "")
        guard filter.problem() == nil else { return nil }
        let group = Int(form["group"] ?? "")
        // An alternative within a condition that holds a consent filter lets users in without that consent.
        let joined = group.flatMap { criteria.groups.indices.contains($0) ? criteria.groups[$0] : nil } ?? []
        return Edit(filter: filter, isAddition: true, after: criteria.adding(filter, toGroup: group), weakenedConsent: joined.first(where: isConsent))
    }

    private static func confirmation(_ context: RequestContext, _ canvas: Canvas, _ edit: Edit, before: EntryCriteria,
                                     live: Bool) throws -> Confirmation {
        let names = try CanvasPage.segmentNames(context)
        let text = edit.filter.summary(segmentNames: names)
        let partners = CanvasConfirmations.sendingPartners(try context.app.store.steps(canvasID: canvas.id))
        let sentTo = partners.isEmpty ? "go through its steps" : "be sent to \(partners)"
        let which = live ? "the live canvas" : "the draft"
        var effect: String
        switch (edit.isAddition, edit.weakenedConsent) {
        case (false, let consent?):
            effect = "Removing the consent condition “\(text)” from \(which) “\(canvas.name)” lets users who \(notConsented(consent)) enter it and \(sentTo)."
        case (false, nil):
            effect = "Removing “\(text)” from \(which) “\(canvas.name)” lets users who do not match it enter it and \(sentTo)."
        case (true, let consent?):
            effect = "Adding “\(text)” as an alternative to the consent condition “\(consent.summary(segmentNames: names))” of \(which) "
                + "“\(canvas.name)” lets users who match it enter without that consent and \(sentTo)."
        case (true, nil):
            effect = "Adding “\(text)” to \(which) “\(canvas.name)” changes who may enter it from now on."
        }
        effect += live ? " It applies to new entries at once; users already inside are not affected." : " Nothing is sent until it is launched."
        var details = ["Who may enter after this: \(edit.after.summary(segmentNames: names))."]
        if let now = try CanvasConfirmations.count(context, before), let after = try CanvasConfirmations.count(context, edit.after) {
            details.append("\(now.formatted()) of the workspace's users match the entry criteria now; \(after.formatted()) would match after.")
        }
        if live, canvas.autoEnter, edit.after.groups.isEmpty {
            details.append("Automatic entry is on: every user /users/track updates would enter.")
        }
        return Confirmation(title: edit.isAddition ? "Add “\(text)” to “\(canvas.name)”?" : "Remove “\(text)” from “\(canvas.name)”?",
                            effect: effect, details: details, button: edit.isAddition ? "Add filter" : "Remove filter",
                            cancelPath: live ? CanvasPage.Paths.editCriteria(canvas.id) : SiteRoute.canvas(canvas.id).path,
                            isDangerous: !edit.isAddition || edit.weakenedConsent != nil)
    }

    /// Who fails a consent condition, in words: "did not give this consent (“Allowed ad tracking”)".
    private static func notConsented(_ filter: AttributeFilter) -> String {
        let label = ConsentAttributes.suggested.first { $0.attribute == filter.attribute }?.label ?? filter.attribute
        return "did not give this consent (“\(label)”)"
    }
}
