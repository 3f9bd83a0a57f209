/// Every emulated partner, in the order the sandbox's home page lists them. Adding a partner is one line here
/// and one folder beside `Facebook/`.
enum SandboxPartners {
    static func all(_ configuration: SandboxConfiguration) -> [any SandboxPartner] {
        [
            FacebookSandbox(app: configuration.facebookApp),
            TikTokSandbox(app: configuration.app("tiktok")),
            GoogleSandbox(app: configuration.app("google")),
            LinkedInSandbox(app: configuration.app("linkedin")),
            SnapchatSandbox(app: configuration.app("snapchat")),
            PinterestSandbox(app: configuration.app("pinterest")),
            CriteoSandbox(app: configuration.app("criteo")),
        ]
    }
}
