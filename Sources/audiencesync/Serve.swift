import ArgumentParser
import CMalloc
import Core
import FastCGI
import Dispatch
import Foundation
import HTTPClient
import Logging
import Partners
import Storage
import Sync
import Web

/// `audiencesync serve`: the dashboard's FastCGI responder, until SIGTERM or SIGINT.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the dashboard (FastCGI behind nginx).")
    @OptionGroup var options: GlobalOptions

    func run() throws {
        Settings.bootstrapLogging()
        let logger = Logger(label: "audiencesync.serve")
        let config = try Settings.load(options)
        try Settings.prepareDataDirectory(config)
        // Signals are blocked before any thread starts, so only SignalWaiter receives them.
        SignalWaiter.blockShutdownSignals()
        // Before any thread starts, too: glibc gives each busy thread an arena of its own (up to 8 per core) and keeps
        // what it freed, so the peak of 32 FastCGI threads parsing large entry requests stayed for good. Two arenas
        // bound that peak (docs/performance.md, Memory).
        _ = as_limit_malloc_arenas(2)
        let store = try Store(path: config.databasePath)
        // A damaged file would be "repaired" by losing rows; stop here and say so instead.
        try store.quickCheck()
        // Current, retired and (after an interrupted rotation) next keys: see KeyFile.
        let tokenBox = try KeyFile.tokenBox(keyFile: config.keyFile)
        let http = HTTPClient(configuration: HTTPClientConfiguration())
        let connectors = PartnerClients.all(config, http: http)
        // Pages that call a partner while the browser waits get a shorter time-out than the sync engine, so that
        // they answer before nginx gives up on them (PageDeadline).
        let pageHTTP = HTTPClient(configuration: HTTPClientConfiguration(timeouts: .init(connect: 5, total: PageDeadline.pageCallTimeout)))
        let app = try buildApplication(WebDependencies(config: config, store: store, tokenBox: tokenBox,
                                                       connectors: PartnerClients.all(config, http: pageHTTP)))
        logger.info("dashboard at \(config.baseURL)")
        let delays = DelayAdvancer(store: store)
        var settings = SyncSettings()
        settings.lease = TimeInterval(config.syncLease)
        settings.callBudgets[.facebook] = CallBudget(limit: config.facebookHourlyCalls, window: 3600)
        settings.baseURL = config.baseURL
        if let adsManager = config.facebook.extra["ads_manager_url"] { settings.adsManagerURL = adsManager }
        let sync = SyncEngine(store: store, tokenBox: tokenBox, connectors: connectors, settings: settings)
        let mail = try config.mail.map { server in
            MailDelivery(store: store, transport: SMTPMailTransport(SMTPSettings(url: server.url, username: server.username, password: server.password,
                                                                                 requireTLS: server.requireTLS)),
                         sender: try MailAddress.mailbox(server.from))
        }
        if mail == nil { logger.notice("no SMTP server configured: alert emails stay in the dashboard's outbox") }
        delays.start()
        sync.start()
        mail?.start()
        // Stopped after the FastCGI drain, in reverse order: batches in flight are recorded before exit.
        defer {
            let started = DispatchTime.now()
            // The loops wake at once; the engine finishes recording the batch in hand, the mailer the email in hand.
            DispatchQueue.concurrentPerform(iterations: 3) { index in
                switch index {
                case 0: sync.stop()
                case 1: delays.stop()
                default: mail?.stop()
                }
            }
            logger.info("background work stopped in \((DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000) ms")
        }
        // CSV uploads are written to disk as they arrive, never held in memory.
        let spool = UploadSpool(paths: [SiteRoute.profileImports.path], directory: config.importsDirectory, maxBytes: config.maxImportBytes,
                                admit: { [app] in app.admitsUpload($0) })
        // systemd and Ctrl-C twice mean "now": give the batches in flight back so a restart sends them at once, and exit.
        try ServerRunner.run(app, socket: config.appSocket, threads: config.threads, maxBodyBytes: config.maxBodyBytes, spool: spool, logger: logger,
                             onSecondSignal: { [sync] signal in
                                 let released = sync.releaseInFlight()
                                 logger.notice("signal \(signal) again: released \(released) user(s) in flight and stopped at once")
                                 _exit(1)
                             })
    }
}
