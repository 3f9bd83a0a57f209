import FastCGI
import Foundation

/// The partner emulator as a FastCGI ``Responder``: Facebook's OAuth dialog, token endpoint and Graph
/// Marketing API, plus the `/_sandbox` knobs. Safe to call from many threads at once: all shared state is
/// in its SQLite database.
public final class SandboxResponder: Responder {
    private let context: SandboxContext
    private let partners: [any SandboxPartner]

    /// Opens (or creates) the database, migrates it, seeds it on first run and loads the templates.
    /// Throws ``SandboxError`` when a template is missing, or GRDB's error when the database cannot be opened.
    public init(configuration: SandboxConfiguration) throws {
        let partners = SandboxPartners.all(configuration)
        let pages = try SandboxPages(
            directory: configuration.templatesDirectory,
            names: SandboxRouter.templateNames + partners.flatMap(\.templateNames))
        let store = try SandboxStore(path: configuration.databasePath, partners: partners, wallClock: configuration.now)
        self.context = SandboxContext(configuration: configuration, store: store, pages: pages)
        self.partners = partners
    }

    /// Answers one request; never throws, every failure becomes a response.
    public func respond(to request: Request) -> Response {
        SandboxRouter.route(request, context: context, partners: partners)
    }
}
