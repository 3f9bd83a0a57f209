import FastCGI
import Foundation
import Mustache

/// Why ``SandboxResponder/init(configuration:)`` failed.
public enum SandboxError: Error, CustomStringConvertible, Sendable {
    /// A template file the sandbox needs is not in `templatesDirectory/sandbox/`.
    case missingTemplate(path: String)
    /// A template file does not parse as Mustache.
    case invalidTemplate(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingTemplate(let path): "sandbox template missing: \(path)"
        case .invalidTemplate(let path, let reason): "sandbox template \(path) does not parse: \(reason)"
        }
    }
}

/// The sandbox's HTML pages: Mustache templates read once at start-up, rendered with HTML escaping.
struct SandboxPages: Sendable {
    private let library: MustacheLibrary

    /// Reads `directory/sandbox/<name>.mustache` for every name, synchronously; a missing or broken file
    /// is an error here rather than a blank page later.
    init(directory: String, names: [String]) throws {
        var templates: [String: MustacheTemplate] = [:]
        for name in names {
            let path = (directory as NSString).appendingPathComponent("sandbox/\(name).mustache")
            guard let data = FileManager.default.contents(atPath: path) else { throw SandboxError.missingTemplate(path: path) }
            do {
                templates[name] = try MustacheTemplate(string: String(decoding: data, as: UTF8.self))
            } catch {
                throw SandboxError.invalidTemplate(path: path, reason: "\(error)")
            }
        }
        library = MustacheLibrary(templates: templates)
    }

    /// Renders a page. Pages are self-contained: no inline script or style, so a strict CSP holds.
    func render(_ name: String, _ model: Any, status: Int = 200) -> Response {
        let html = library.render(model, withTemplate: name) ?? "<!doctype html><title>Sandbox</title><p>Template \(name) is missing.</p>"
        var response = Response.html(html, status: status)
        response.headers.append(("Content-Security-Policy", "default-src 'self'; script-src 'none'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'"))
        response.headers.append(("X-Frame-Options", "DENY"))
        response.headers.append(("Referrer-Policy", "no-referrer"))
        response.headers.append(("X-Content-Type-Options", "nosniff"))
        return response
    }
}
