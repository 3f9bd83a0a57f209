import Core
import Testing

@Suite struct AppConfigTests {
    @Test func defaultsPointEveryPartnerAtTheSandbox() throws {
        let config = try AppConfig.load(environment: [:])
        #expect(config.baseURL == "http://127.0.0.1:8080")
        #expect(config.facebook.apiBaseURL == "http://127.0.0.1:8081/facebook/graph/v25.0")
        #expect(config.redirectURI(for: .facebook) == "http://127.0.0.1:8080/oauth/callback/facebook")
        #expect(config.databasePath == "./var/audiencesync.sqlite")
    }

    @Test func environmentWinsOverTheFileAndTrailingSlashesGo() throws {
        let file = try AppConfig.parseSettingsFile("""
            # comment
            AUDIENCESYNC_BASE_URL = "https://sync.example.com/"
            AUDIENCESYNC_HTTP_PORT=9000
            AUDIENCESYNC_FACEBOOK_API_URL=https://graph.facebook.com/v25.0
            """)
        let config = try AppConfig.load(environment: ["AUDIENCESYNC_HTTP_PORT": "9100"], fileSettings: file)
        #expect(config.baseURL == "https://sync.example.com")
        #expect(config.httpPort == 9100)
        #expect(config.facebook.apiBaseURL == "https://graph.facebook.com/v25.0")
        #expect(config.redirectURI(for: .facebook) == "https://sync.example.com/oauth/callback/facebook")
    }

    @Test func badValuesAreNamed() {
        #expect(throws: ConfigError.invalid(name: "AUDIENCESYNC_HTTP_PORT", reason: "must be a whole number from 1 to 65535")) {
            try AppConfig.load(environment: ["AUDIENCESYNC_HTTP_PORT": "http"])
        }
        #expect(throws: ConfigError.self) { try AppConfig.load(environment: ["AUDIENCESYNC_BASE_URL": "ftp://x"]) }
        #expect(throws: ConfigError.invalid(name: "AUDIENCESYNC_SANDBOX_URL", reason: "must name a host, e.g. http://127.0.0.1:8080")) {
            try AppConfig.load(environment: ["AUDIENCESYNC_SANDBOX_URL": "http://:8081"])
        }
        #expect(throws: ConfigError.self) { try AppConfig.parseSettingsFile("NOT A SETTING") }
    }

    @Test func nginxTemplateIsFilledCompletely() throws {
        let config = try AppConfig.load(environment: [:])
        let values = NginxTemplate.values(config: config, prefix: "/p", publicDirectory: "/pub", appSocket: "/a.sock", sandboxSocket: "/s.sock")
        #expect(try NginxTemplate.render("listen @@HTTP_PORT@@; root @@PUBLIC_DIR@@; $uri", values: values) == "listen 8080; root /pub; $uri")
        #expect(values["APP_FORM_ACTION"] == "'self' http://127.0.0.1:8081")
        #expect(throws: ConfigError.self) { try NginxTemplate.render("@@UNKNOWN@@", values: values) }
    }

    @Test func nginxServerNamesAreTheHostsOfTheConfiguredURLs() throws {
        let defaults = NginxTemplate.values(config: try AppConfig.load(environment: [:]), prefix: "/p", publicDirectory: "/pub",
                                            appSocket: "/a.sock", sandboxSocket: "/s.sock")
        #expect(defaults["APP_HOST"] == "127.0.0.1")
        #expect(defaults["SANDBOX_HOST"] == "127.0.0.1")
        let config = try AppConfig.load(environment: ["AUDIENCESYNC_BASE_URL": "https://Sync.Example.com:8443/",
                                                      "AUDIENCESYNC_SANDBOX_URL": "http://[::1]:9001"])
        let values = NginxTemplate.values(config: config, prefix: "/p", publicDirectory: "/pub", appSocket: "/a.sock", sandboxSocket: "/s.sock")
        #expect(values["APP_HOST"] == "sync.example.com")
        #expect(values["SANDBOX_HOST"] == "[::1]")
        #expect(NginxTemplate.serverName("not a url") == "\"\"")
    }
}
