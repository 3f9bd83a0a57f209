// swift-tools-version:6.1
// The module graph follows docs/architecture.md; keep the two in step.
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "AudienceSync",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "audiencesync", targets: ["audiencesync"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
    ],
    targets: [
        // Layer 0: C libraries from Debian, one system-library target each.
        .systemLibrary(name: "CFastCGI", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(name: "CArgon2", providers: [.apt(["libargon2-dev"])]),

        // Layer 1: pure domain, transport, outbound HTTP.
        .target(name: "Core", dependencies: [.product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        .target(name: "FastCGI", dependencies: ["CFastCGI"], swiftSettings: strict),
        .target(name: "HTTPClient", dependencies: ["CCurl"], swiftSettings: strict),
        // Test-only kill -9 points for the crash matrix (inert unless AUDIENCESYNC_CRASH_AT is set).
        .target(name: "CrashPoints", swiftSettings: strict),

        // Layer 2: the one store, the partner clients.
        .target(name: "Storage", dependencies: ["Core", "CrashPoints", .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: strict),
        .target(name: "Partners", dependencies: ["Core", "HTTPClient", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),

        // Layer 3: background work in the serve process.
        .target(
            name: "Sync",
            dependencies: ["Core", "CrashPoints", "Storage", "Partners", "HTTPClient", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),

        // Layer 3: the partner emulator.
        .target(
            name: "Sandbox",
            dependencies: [
                "FastCGI",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: strict),

        // Layer 4: pages, sessions, REST API.
        .target(
            name: "Web",
            dependencies: [
                "Core", "Storage", "FastCGI", "Partners", "Sync", "CArgon2",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // Layer 5: the one binary.
        .executableTarget(
            name: "audiencesync",
            dependencies: [
                "CMalloc", "Core", "FastCGI", "HTTPClient", "Storage", "Partners", "Sandbox", "Sync", "Web",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // Tests mirror the targets; TestSupport starts real servers (sandbox behind nginx).
        .target(
            name: "TestSupport",
            dependencies: ["Core", "FastCGI", "HTTPClient", "Storage", "Partners", "Sandbox", "Sync", "Web",
                           .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport"),
        .testTarget(name: "CoreTests", dependencies: ["Core"]),
        .testTarget(name: "CrashPointsTests", dependencies: ["CrashPoints"]),
        .testTarget(name: "FastCGITests", dependencies: ["FastCGI", "TestSupport"]),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "TestSupport"]),
        // GRDB: the migration tests build a database as an older release left it, below the Store's API.
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Core", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "PartnersTests", dependencies: ["Partners", "Core", "HTTPClient", "TestSupport"]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "FastCGI"]),
        .testTarget(name: "HashCLITests", dependencies: ["audiencesync"]),
        .testTarget(name: "SyncTests", dependencies: ["Sync", "Core", "Partners", "Storage", "TestSupport"]),
        .testTarget(name: "WebTests", dependencies: ["Web", "Storage", "Core", "FastCGI", "Partners", "HTTPClient", "Sync", "TestSupport"]),
    ]
)
