// TEMPORARY: replaced by the sandbox implementation (helper-sandbox). Signatures only.
import FastCGI
import Foundation
public struct SandboxApp: Sendable { public var clientID: String; public var clientSecret: String; public var name: String; public var redirectURIs: [String]
    public init(clientID: String, clientSecret: String, name: String, redirectURIs: [String]) { self.clientID = clientID; self.clientSecret = clientSecret; self.name = name; self.redirectURIs = redirectURIs } }
public struct SandboxConfiguration: Sendable { public var databasePath: String; public var publicBaseURL: String; public var templatesDirectory: String; public var facebookApp: SandboxApp; public var now: @Sendable () -> Date
    public init(databasePath: String, publicBaseURL: String, templatesDirectory: String, facebookApp: SandboxApp, now: @escaping @Sendable () -> Date = { Date() }) { self.databasePath = databasePath; self.publicBaseURL = publicBaseURL; self.templatesDirectory = templatesDirectory; self.facebookApp = facebookApp; self.now = now } }
public final class SandboxResponder: Responder { public init(configuration: SandboxConfiguration) throws {}; public func respond(to request: Request) -> Response { Response.text("stub", status: 501) } }
