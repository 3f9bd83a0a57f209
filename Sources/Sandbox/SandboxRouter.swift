import FastCGI
import Foundation

/// Splits the sandbox's URL space: `/` (home), `/_sandbox/…` (knobs), `/<partner>/…` (an emulated partner,
/// with fault injection and the request log around it), anything else 404.
enum SandboxRouter {
    /// Templates the shared pages need.
    static let templateNames = ["layout", "home", "not-found"]

    static func route(_ request: Request, context: SandboxContext, partners: [any SandboxPartner]) -> Response {
        let path = request.path
        if path == "/" {
            guard request.method == "GET" || request.method == "HEAD" else { return notFound(request, context: context) }
            return home(context: context, partners: partners)
        }
        if path == "/_sandbox" || path.hasPrefix("/_sandbox/") {
            return SandboxKnobs.handle(request, context: context, partners: partners)
        }
        for partner in partners {
            let prefix = "/\(partner.name)"
            if path == prefix || path.hasPrefix(prefix + "/") {
                return partnerRequest(request, partner: partner, subpath: String(path.dropFirst(prefix.count)), context: context)
            }
        }
        return notFound(request, context: context)
    }

    /// Runs one partner request: fault rules first, then the partner's handler, then the log entry.
    private static func partnerRequest(_ request: Request, partner: any SandboxPartner, subpath: String,
                                       context: SandboxContext) -> Response {
        let fault: FaultRule?
        do {
            fault = try SandboxFaults.decide(partner: partner.name, method: request.method, path: request.path,
                                             body: String(decoding: request.body, as: UTF8.self), store: context.store)
        } catch {
            return Knob.storeFailure(error)
        }
        if let fault, fault.latencyMilliseconds > 0 {
            // Plain thread sleep: the accept loop has many threads, and a slow partner is what is emulated.
            Thread.sleep(forTimeInterval: Double(fault.latencyMilliseconds) / 1000)
        }
        var notes = RequestNotes()
        var response: Response
        if let fault, !fault.isLatencyOnly {
            if let raw = fault.rawBody {
                response = Response(status: fault.effectiveStatus,
                                    headers: [("Content-Type", fault.contentType ?? "text/html; charset=utf-8")],
                                    body: Array(raw.utf8))
            } else {
                let (body, code) = partner.faultBody(error: fault.error)
                notes.errorCode = code
                response = body.response(status: fault.effectiveStatus)
            }
            if let retryAfter = fault.retryAfter { response.headers.append(("Retry-After", String(retryAfter))) }
        } else {
            response = partner.handle(request, subpath: subpath.isEmpty ? "/" : subpath, context: context, notes: &notes)
        }
        SandboxRequestLog.record(partner: partner.name, request: request, response: response, notes: notes,
                                 faultID: fault.flatMap { $0.isLatencyOnly ? nil : $0.id }, store: context.store)
        return response
    }

    private struct HomeModel {
        struct KnobRow { let method: String; let path: String; let what: String }
        let baseURL: String
        let sections: [SandboxHomeSection]
        let knobs: [KnobRow]
    }

    private static func home(context: SandboxContext, partners: [any SandboxPartner]) -> Response {
        do {
            let sections = try partners.map { try $0.homeSection(context: context) }
            let model = HomeModel(
                baseURL: context.configuration.baseURL, sections: sections,
                knobs: SandboxKnobs.catalog.map { HomeModel.KnobRow(method: $0.method, path: $0.path, what: $0.what) })
            return context.pages.render("home", model)
        } catch {
            return Knob.storeFailure(error)
        }
    }

    private struct NotFoundModel { let path: String }

    static func notFound(_ request: Request, context: SandboxContext) -> Response {
        context.pages.render("not-found", NotFoundModel(path: request.path), status: 404)
    }
}
