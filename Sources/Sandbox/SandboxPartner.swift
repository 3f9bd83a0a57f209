import FastCGI
import Foundation
import GRDB

/// One emulated ad platform. Each partner lives in its own folder (`Sandbox/Facebook/…`), owns the URL
/// prefix `/<name>/…` and the knob prefix `/_sandbox/<name>/…`, and shares the clock, the fault rules and the
/// request log with the others. Adding TikTok, Google, … means one more conformer in
/// ``SandboxResponder/init(configuration:)``.
protocol SandboxPartner: Sendable {
    /// The URL segment and the `partner` name in faults and the request log, e.g. `facebook`.
    var name: String { get }
    /// Template names (files `sandbox/<name>.mustache`) this partner renders; checked at start-up.
    var templateNames: [String] { get }
    /// Registers this partner's tables; migrations are append-only.
    func registerMigrations(_ migrator: inout DatabaseMigrator)
    /// Writes the seed rows (first run and reset); tables are empty when it is called.
    func seed(_ db: Database, now: Date) throws
    /// Deletes every row of this partner's tables (reset).
    func deleteAll(_ db: Database) throws
    /// Answers a request under `/<name>`; `subpath` is the rest of the path, starting with `/`.
    func handle(_ request: Request, subpath: String, context: SandboxContext, notes: inout RequestNotes) -> Response
    /// Answers a knob under `/_sandbox/<name>`; nil when the subpath is not one of its knobs.
    func handleKnob(_ request: Request, subpath: String, context: SandboxContext) -> Response?
    /// What the home page says about this partner.
    func homeSection(context: SandboxContext) throws -> SandboxHomeSection
    /// The body of an injected fault in this partner's error envelope, and the error code it carries;
    /// `error` is the knob's optional `{"code","type","message",…}`.
    func faultBody(error: JSON?) -> (JSON, Int?)
}

/// What the request log records beyond the request and the response, filled in by the handler.
struct RequestNotes: Sendable {
    /// The partner error code of an error response (Graph's `error.code`).
    var errorCode: Int?
    /// The ad account the call counted against, e.g. `act_1001`.
    var adAccount: String?
}

/// Everything a handler needs, shared by all threads: immutable configuration, the store and the templates.
struct SandboxContext: Sendable {
    let configuration: SandboxConfiguration
    let store: SandboxStore
    let pages: SandboxPages
}

/// One partner's block on the home page.
struct SandboxHomeSection: Sendable {
    struct Person: Sendable { let id: String; let name: String; let kind: String }
    struct Account: Sendable { let id: String; let name: String; let currency: String; let terms: String; let termsURL: String }
    struct Link: Sendable { let title: String; let href: String }
    let title: String
    let people: [Person]
    let accounts: [Account]
    let links: [Link]
}

/// A knob's input error, answered as `{"errors":[{"field","message"}]}` with status 400.
struct KnobError: Error, Sendable {
    let field: String
    let message: String

    var response: Response {
        JSON.object([("errors", .array([.object([("field", .string(field)), ("message", .string(message))])]))])
            .response(status: 400)
    }
}

/// Small helpers for JSON knobs.
enum Knob {
    /// The request body as a JSON object; an empty body counts as `{}`.
    static func body(_ request: Request) throws(KnobError) -> JSON {
        let text = String(decoding: request.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return .object([]) }
        guard let value = JSON.parse(text), value.isObject else {
            throw KnobError(field: "body", message: "must be a JSON object")
        }
        return value
    }

    /// A `200` JSON answer.
    static func ok(_ value: JSON) -> Response { value.response() }

    /// The generic 404 of the knob API.
    static func notFound(_ path: String) -> Response {
        KnobError(field: "path", message: "no sandbox knob at \(path)").responseWith(status: 404)
    }

    /// The generic 405 of the knob API.
    static func methodNotAllowed(_ method: String, _ path: String) -> Response {
        KnobError(field: "method", message: "\(method) is not supported on \(path)").responseWith(status: 405)
    }

    /// A store failure, which should not happen; reported rather than crashing the thread.
    static func storeFailure(_ error: any Error) -> Response {
        KnobError(field: "", message: "sandbox store error: \(error)").responseWith(status: 500)
    }
}

extension KnobError {
    func responseWith(status: Int) -> Response {
        var r = response
        r.status = status
        return r
    }
}
