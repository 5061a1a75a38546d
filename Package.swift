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
        .target(name: "RecstreamModel", dependencies: ["CBLAS", "CKernels"]),
        .target(
            name: "RecstreamStore",
            dependencies: ["CLibPQ", "RecstreamModel", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "RecstreamStream",
            dependencies: ["CRdKafka", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "RecstreamDaemon",
            dependencies: [
                "RecstreamModel", "RecstreamStore", "RecstreamStream",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "RecstreamService",
            dependencies: [
                "RecstreamDaemon", "RecstreamStore", "RecstreamStream",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "recstream",
            dependencies: [
                "RecstreamDaemon", "RecstreamService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: librdkafkaRuntimePath
        ),

        .target(name: "TestSupport", dependencies: ["RecstreamStore"], path: "Tests/TestSupport"),
        .testTarget(name: "StoreTests", dependencies: ["RecstreamStore", "RecstreamModel", "TestSupport"]),
        .testTarget(name: "ModelTests", dependencies: ["RecstreamModel"]),
        .testTarget(name: "ServiceTests", dependencies: ["RecstreamService", "RecstreamDaemon", "RecstreamStream"]),
        .testTarget(
            name: "CLITests",
            dependencies: ["TestSupport", "recstream", "RecstreamStore", "RecstreamStream", "RecstreamModel"],
            linkerSettings: librdkafkaRuntimePath
        ),
        .testTarget(
            name: "DaemonTests",
            dependencies: ["RecstreamDaemon", "RecstreamModel", "RecstreamStore", "RecstreamStream", "TestSupport"],
            linkerSettings: librdkafkaRuntimePath
        ),
        .testTarget(
            name: "StreamTests",
            dependencies: ["RecstreamStream", "TestSupport"],
            linkerSettings: librdkafkaRuntimePath
        ),
    ]
)
