// swift-tools-version:6.1
import PackageDescription
let package = Package(
    name: "hbfloor",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
    ],
    targets: [
        .executableTarget(name: "hbfloor", dependencies: [.product(name: "Hummingbird", package: "hummingbird")]),
    ]
)
