import Foundation

/// Fills the `@@NAME@@` placeholders of `nginx/nginx.conf.template` (nginx's own `$variables` stay untouched).
public enum NginxTemplate {
    /// The placeholder values for `config`; paths must already be absolute.
    public static func values(config: AppConfig, prefix: String, publicDirectory: String, appSocket: String,
                              sandboxSocket: String) -> [String: String] {
        [
            "PREFIX": prefix,
            "PUBLIC_DIR": publicDirectory,
            "APP_SOCKET": appSocket,
            "SANDBOX_SOCKET": sandboxSocket,
            "HTTP_PORT": String(config.httpPort),
            "SANDBOX_PORT": String(config.sandboxPort),
            "MAX_BODY": String(max(1, config.maxBodyBytes >> 20)) + "m",
            "MAX_IMPORT": String(max(1, config.maxImportBytes >> 20)) + "m",
            // Only these hosts reach the app and the sandbox; any other Host header (or none) is dropped (N-4).
            "APP_HOST": serverName(config.baseURL),
            "SANDBOX_HOST": serverName(config.sandboxURL),
            // Forms that redirect to a partner's consent page need its origin in form-action (Chrome applies
            // form-action to the redirect too); the sandbox's consent form redirects back to the app.
            "APP_FORM_ACTION": formAction(config),
            "SANDBOX_FORM_ACTION": (["'self'"] + [origin(config.baseURL)].compactMap { $0 }).joined(separator: " "),
        ]
    }

    /// Replaces every `@@NAME@@`; fails when a placeholder has no value, so no half-filled config is written.
    public static func render(_ template: String, values: [String: String]) throws(ConfigError) -> String {
        var output = template
        for (name, value) in values { output = output.replacingOccurrences(of: "@@\(name)@@", with: value) }
        if let range = output.range(of: "@@[A-Z_]+@@", options: .regularExpression) {
            throw .invalid(name: String(output[range]), reason: "has no value in the nginx template")
        }
        return output
    }

    /// `'self'` and every partner's consent-page origin, each once, in a stable order.
    static func formAction(_ config: AppConfig) -> String {
        var origins: [String] = []
        for partner in PartnerID.allCases {
            if let found = config.partners[partner].flatMap({ origin($0.authorizeURL) }), !origins.contains(found) { origins.append(found) }
        }
        return (["'self'"] + origins).joined(separator: " ")
    }

    /// The host of a URL as nginx's `server_name` takes it: lowercased, IPv6 literals in brackets, no port.
    /// A URL without a host gives `""`, which only a request without a Host header matches — and that goes to the
    /// default server first, so nothing reaches the app.
    public static func serverName(_ url: String) -> String {
        guard let host = URL(string: url)?.host?.lowercased(), !host.isEmpty else { return "\"\"" }
        if host.contains(":") { return host.hasPrefix("[") ? host : "[\(host)]" }
        return host
    }

    /// `scheme://host[:port]` of a URL.
    public static func origin(_ url: String) -> String? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme, let host = parsed.host else { return nil }
        return "\(scheme)://\(host)" + (parsed.port.map { ":\($0)" } ?? "")
    }
}
