import FastCGI

/// What a destructive or costly action says before it acts, in plain words: the page's title, the effect, the
/// facts behind it, the confirm button's label, and where Cancel leads (changing nothing).
struct Confirmation {
    /// The question, e.g. "Launch “Buyers”?".
    let title: String
    /// What will happen and what it leads to, e.g. "Launch creates 2 audiences at Facebook and starts sending."
    let effect: String
    /// Supporting facts, one line each (counts, names of what is affected).
    var details: [String] = []
    /// The confirm button's label, naming the action ("Launch canvas").
    let button: String
    /// Where Cancel leads: the page the action was started from.
    let cancelPath: String
    /// Whether the action removes or stops something (a red button) rather than starting something.
    var isDangerous = true
}

/// What an action's gate decides for one request, before its handler runs.
enum ConfirmGate {
    /// No confirmation is needed for this request (e.g. a non-destructive action sharing the route).
    case proceed
    /// Show this confirmation unless the request carries `confirmed=1`. Described only when it is shown: a description
    /// may count users or ask a partner, which the confirmed request that follows must not pay for again.
    case ask(() throws -> Confirmation)
    /// Refuse outright, confirmed or not (e.g. a member removing a consent condition from a live canvas).
    case refuse(Response)
}

/// The one confirmation step of the dashboard: a POST whose route has a gate, and that does not carry
/// `confirmed=1`, is answered with a server-rendered page (`confirm.mustache`) that states the effect and re-posts the
/// same fields plus `confirmed=1` and the session's CSRF token. Works without JavaScript; Cancel is a plain link.
///
/// To confirm a new action, give its line in ``Routes`` a `confirm:` closure returning a ``ConfirmGate`` built
/// beside the handler (e.g. `confirm: { try ForgetPerson.confirmation($0) }`); the gate runs on every request, so a
/// refusal in it holds for confirmed requests too, and the handler itself stays unchanged.
enum Confirm {
    /// The form field the confirmation page adds.
    static let field = "confirmed"

    struct Content {
        let title: String
        let effect: String
        let details: [String]
        let hasDetails: Bool
        let button: String
        let isDangerous: Bool
        let action: String
        let fields: [Hidden]
        let cancelPath: String
        let csrfToken: String
    }

    struct Hidden {
        let name: String
        let value: String
    }

    /// Whether the user already confirmed this request on the confirmation page.
    static func isConfirmed(_ context: RequestContext) -> Bool { context.request.form[field] == "1" }

    /// Applies `gate` to the request: nil when the handler may run, or the response to send instead.
    static func apply(_ gate: ConfirmGate, _ context: RequestContext) throws -> Response? {
        switch gate {
        case .proceed: return nil
        case .refuse(let response): return response
        case .ask(let describe): return isConfirmed(context) ? nil : page(context, try describe())
        }
    }

    /// The confirmation page for `confirmation`, posting back to the same path.
    static func page(_ context: RequestContext, _ confirmation: Confirmation) -> Response {
        // Every field as sent (repeated ones too, in order), except the token, renewed below, and the flag itself.
        let fields = context.request.form.pairs.filter { $0.name != "_csrf" && $0.name != field }.map { Hidden(name: $0.name, value: $0.value) }
        let content = Content(title: confirmation.title, effect: confirmation.effect, details: confirmation.details,
                              hasDetails: !confirmation.details.isEmpty, button: confirmation.button, isDangerous: confirmation.isDangerous,
                              action: context.request.path, fields: fields, cancelPath: confirmation.cancelPath,
                              csrfToken: context.session?.csrfToken ?? "")
        return context.renderer.page("confirm", shell: context.shell(title: confirmation.title, section: ""), content: content)
    }

    /// A 403 page refusing an action whatever the confirmation, logged as an access refusal.
    static func refusal(_ context: RequestContext, title: String, message: String, backPath: String) -> Response {
        context.audit(.accessRefused, detail: "\(context.request.method) \(context.request.path): \(title)")
        return ErrorPages.page(context.renderer, status: 403, title: title, message: message,
                               shell: context.shell(title: title, section: ""), backPath: backPath)
    }
}
