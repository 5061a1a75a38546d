// swift-tools-version:6.1
import PackageDescription

/// Directory of this package, used to give binaries built here an rpath to the
/// project-local librdkafka runtime that `ops/bootstrap` installs (see README,
/// "Which librdkafka runs").
let packageDirectory = String(#filePath.dropLast("/Package.swift".count))

/// Binaries look for librdkafka.so.1 first in `../lib/recstream` beside
/// themselves (installed layout, `ops/install`) and then in `.local/lib` of
/// this checkout (development and tests), before the system's 2.0.2.
let librdkafkaRuntimePath: [LinkerSetting] = [
    .unsafeFlags([
        "-Xlinker", "-rpath", "-Xlinker", "$ORIGIN/../lib/recstream",
        "-Xlinker", "-rpath", "-Xlinker", "\(packageDirectory)/.local/lib",
    ])
]

/// Every Swift target imports its dependencies `internal` unless it says
/// `public import`: a target's public API cannot leak the C or third-party
/// types it uses inside.
let swiftSettings: [SwiftSetting] = [.enableUpcomingFeature("InternalImportsByDefault")]

let package = Package(
    name: "recstream",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "recstream", targets: ["recstream"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CBLAS", providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .target(name: "CKernels"),

        // The data flow of one event, bottom up: configuration keys, the maths,
        // PostgreSQL, Kafka, event decoding, the pipeline that joins them, and
        // `serve` as a service. Evaluation and benchmarks sit beside the
        // pipeline; the executable parses commands and holds their bodies.
        .target(name: "RecstreamConfiguration", swiftSettings: swiftSettings),
        .target(name: "RecstreamModel", dependencies: ["CBLAS", "CKernels", "RecstreamConfiguration"], swiftSettings: swiftSettings),
        .target(
            name: "RecstreamStore",
            dependencies: ["CLibPQ", .product(name: "Logging", package: "swift-log")],
            resources: [.embedInCode("Schema")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RecstreamStream",
            dependencies: ["CRdKafka", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(name: "RecstreamEvents", dependencies: ["RecstreamModel"], swiftSettings: swiftSettings),
        .target(
            name: "RecstreamIngest",
            dependencies: [
                "RecstreamConfiguration", "RecstreamModel", "RecstreamStore", "RecstreamStream", "RecstreamEvents",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "RecstreamEvaluation", dependencies: ["RecstreamModel", "RecstreamEvents"], swiftSettings: swiftSettings),
        .target(
            name: "RecstreamService",
            dependencies: [
                "RecstreamIngest", "RecstreamStore", "RecstreamStream",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RecstreamBenchmarks",
            dependencies: [
                "CBLAS", "RecstreamModel", "RecstreamStore", "RecstreamStream", "RecstreamIngest",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "recstream",
            dependencies: [
                "RecstreamModel", "RecstreamStore", "RecstreamStream", "RecstreamEvents", "RecstreamIngest", "RecstreamEvaluation",
                "RecstreamService", "RecstreamBenchmarks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: librdkafkaRuntimePath
        ),

        .target(name: "TestSupport", dependencies: ["RecstreamStore"], path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "ConfigurationTests", dependencies: ["RecstreamConfiguration"]),
        .testTarget(name: "ModelTests", dependencies: ["RecstreamModel", "RecstreamConfiguration"]),
        .testTarget(name: "StoreTests", dependencies: ["RecstreamStore", "RecstreamModel", "TestSupport"]),
        .testTarget(
            name: "StreamTests",
            dependencies: ["RecstreamStream", "TestSupport"],
            linkerSettings: librdkafkaRuntimePath
        ),
        .testTarget(name: "EventsTests", dependencies: ["RecstreamEvents"]),
        .testTarget(
            name: "IngestTests",
            dependencies: [
                "RecstreamIngest", "RecstreamConfiguration", "RecstreamModel", "RecstreamStore", "RecstreamStream", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            linkerSettings: librdkafkaRuntimePath
        ),
        .testTarget(name: "EvaluationTests", dependencies: ["RecstreamEvaluation", "RecstreamEvents", "RecstreamModel"]),
        .testTarget(name: "ServiceTests", dependencies: ["RecstreamService", "RecstreamIngest", "RecstreamStream"]),
        .testTarget(
            name: "CLITests",
            dependencies: ["TestSupport", "recstream", "RecstreamStore", "RecstreamStream", "RecstreamModel"],
            linkerSettings: librdkafkaRuntimePath
        ),
    ]
)
