// swift-tools-version:6.1
import PackageDescription

// House settings (STYLE.md habit 8): explicit existentials and imports.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]
// The request path's modules: their nonisolated async functions run on the caller's executor
// (SE-0461), so an await of one of them needs no hop back to the generic executor afterwards.
let requestPathSettings = swiftSettings + [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]

// Release links export no symbols (Sources/Appliance/no-exports.map): Swift links executables
// with `--export-dynamic`, and the symbol tables were 1.2 MB of the idle resident set (README
// Performance "Memory"). Packed relative relocations (`-z pack-relative-relocs`, 1 MB more)
// are not used: they need glibc 2.36, and Ubuntu 22.04 (glibc 2.35) is a supported target.
let packageDirectory = String(#filePath.dropLast("/Package.swift".count))
//
// Release links also put the code a working node runs next to each other
// (Sources/Appliance/text-order.ld, from scripts/text-order.sh): a fault on the binary's text
// maps the 64 KB around it, so hot code scattered over 18 MB kept most of it resident. The
// list names input sections, not symbols, because Swift's weak copies of thunks and witnesses
// keep their code but lose their symbol to the copy that wins. Needs lld (shipped with the
// Swift toolchain; gold ignores ordering files) and, for the finest grain, builds with
// `-Xswiftc -Xfrontend -Xswiftc -function-sections` (scripts/dev.sh release).
let releaseLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(["-Xlinker", "--version-script=\(packageDirectory)/Sources/Appliance/no-exports.map",
                  // The hook the map exports is the runtime library's own in dynamic builds.
                  "-use-ld=lld", "-Xlinker", "--undefined-version",
                  "-Xlinker", "-T", "-Xlinker", "\(packageDirectory)/Sources/Appliance/text-order.ld"],
                 .when(configuration: .release)),
]

let package = Package(
    name: "triforce",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "triforce", targets: ["Appliance"]),
    ],
    dependencies: [
        // `traits: []` keeps full Foundation and ICU out of the binary (DESIGN.md).
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        // WSCore's WebSocketHandler (SPI) for the API port's own upgrade channel (APIChannel).
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // Both import no Foundation (CoreMetrics + Atomics only): /metrics adds no ICU.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // System libraries: module maps plus the shims Swift cannot import directly.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CMbedTLS", path: "Sources/CMbedTLS"),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        // glibc's malloc.h (malloc_trim): memory kept after a burst goes back to the system.
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        // Sets Swift's global-executor hook from inside the link (ConcurrencyPool).
        .target(name: "CConcurrencyHook", path: "Sources/CConcurrencyHook"),

        // Product vocabulary shared by every layer (who is calling, what they may use).
        // Depends on nothing, so plumbing (Net) can carry it without knowing policy.
        .target(name: "Core", swiftSettings: swiftSettings),
        .target(
            name: "Storage",
            dependencies: [
                "CSQLite",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: requestPathSettings
        ),
        .target(
            name: "Net",
            dependencies: [
                "Core", "CMbedTLS", "CCurl", "CMalloc",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "WSCore", package: "swift-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: requestPathSettings
        ),
        // Metrics (swift-metrics API, Prometheus exposition): cached handles for the hot path.
        .target(
            name: "Telemetry",
            dependencies: [
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Auth",
            dependencies: [
                "Core", "Storage", "Net",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: requestPathSettings
        ),
        .target(
            name: "Admin",
            dependencies: [
                "Core", "Storage", "Net", "Auth", "Gateway",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MCP",
            dependencies: [
                "Core", "Storage", "Net", "Telemetry",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Gateway",
            dependencies: [
                "Core", "Storage", "Net", "Telemetry",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: requestPathSettings
        ),
        .target(
            name: "Mesh",
            dependencies: [
                "Core", "Storage", "Net",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Replication over the mesh links (issue 13): push, anti-entropy, snapshots.
        .target(
            name: "Sync",
            dependencies: [
                "Storage", "Net", "Mesh",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Appliance",
            dependencies: [
                "Core", "Storage", "Net", "Admin", "Auth", "MCP", "Gateway", "Mesh", "Sync", "Telemetry", "CConcurrencyHook",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["no-exports.map", "text-order.ld"],
            swiftSettings: swiftSettings,
            linkerSettings: releaseLinkerSettings
        ),

        // Shared by the test targets: subprocesses (curl, openssl, python), temp dirs.
        .target(
            name: "TestSupport",
            dependencies: [
                "Net",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport", swiftSettings: swiftSettings),
        // Test support: commits rows and acks them on stdout, for the kill -9 durability test.
        .executableTarget(
            name: "storage-crash-writer",
            dependencies: ["Storage"],
            path: "Tests/Support/StorageCrashWriter",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: ["Storage", "TestSupport", "storage-crash-writer"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NetTests",
            dependencies: [
                "Net", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuthTests",
            dependencies: [
                "Auth", "Core", "Storage", "Net", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MCPTests",
            dependencies: [
                "MCP", "Core", "Storage", "Net", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "Core", "Storage", "Net", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MeshTests",
            dependencies: [
                "Mesh", "Storage", "Net", "Sync", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TelemetryTests",
            dependencies: ["Telemetry"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ApplianceTests",
            dependencies: [
                "Appliance", "Admin", "Auth", "Gateway", "Core", "Storage", "Net", "Mesh", "Sync", "Telemetry", "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

// Fuzz targets (bench/fuzz.sh): declared only when TRIFORCE_FUZZ is set, so normal builds,
// tests and CI never compile them. fuzz.sh builds them in .build-fuzz with
// `-sanitize=fuzzer,address`.
if Context.environment["TRIFORCE_FUZZ"] != nil {
    package.targets.append(.executableTarget(
        name: "triforce-fuzz",
        dependencies: ["Net", "Gateway", "MCP"],
        path: "bench/fuzz/Sources",
        swiftSettings: [.unsafeFlags(["-enable-testing"])]))
    package.products.append(.executable(name: "triforce-fuzz", targets: ["triforce-fuzz"]))
}
