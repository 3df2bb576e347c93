import ArgumentParser
import Mesh
import Net
import FoundationEssentials

/// `triforce release install|rollback|list`: the installed binaries under a prefix and the
/// atomic `current` switch the service runs from (`<prefix>/current/triforce`).
struct ReleaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release", abstract: "Install, list and roll back release binaries.",
        subcommands: [Install.self, Fetch.self, Rollback.self, List.self])

    struct PrefixOptions: ParsableArguments {
        @Option(help: "Where releases live (env TRIFORCE_PREFIX; default /opt/triforce).")
        var prefix: String?

        var directory: ReleaseDirectory {
            ReleaseDirectory(prefix: prefix ?? ProcessInfo.processInfo.environment["TRIFORCE_PREFIX"].flatMap { $0.isEmpty ? nil : $0 }
                ?? "/opt/triforce")
        }
    }

    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a binary's sha256, install it as releases/VERSION and make it current.")

        @Argument(help: "The triforce binary to install.")
        var file: String

        @Option(help: "Expected sha256 of FILE (64 hex digits, as sha256sum prints).")
        var sha256: String

        @Option(help: "Release name; default: what `FILE --version` prints.")
        var version: String?

        @OptionGroup var options: PrefixOptions

        func run() async throws {
            let directory = options.directory
            do {
                let previous = directory.current
                let installed = try await directory.install(file: file, sha256: sha256, version: version)
                if previous == installed {
                    print("release \(installed) is already current in \(directory.prefix)")
                } else {
                    print("release \(installed) is current in \(directory.prefix)" + (previous.map { " (previous: \($0))" } ?? ""))
                    print("restart the service to run it: systemctl restart triforce")
                }
            } catch {
                Startup.fail("\(error)")
            }
        }
    }

    struct Fetch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download the release named by release.json of the applied config commit, verify it, install it and make it current.")

        @OptionGroup var data: DataOptions
        @OptionGroup var options: PrefixOptions

        @Option(help: "A node that has the release: its mesh address wss://HOST:PORT (this data dir's mesh certificate is presented). Default: the manifest's URL.")
        var peer: String?

        func run() async throws {
            let directory = options.directory
            var address: PeerAddress?
            if let peer {
                guard let parsed = PeerAddress(peer) else { throw ValidationError("--peer must be wss://HOST:PORT, got '\(peer)'") }
                address = parsed
            }
            try await NodeCommand.with(data) { node in
                let files = MeshFiles(dataDirectory: node.configuration.dataDirectory)
                if address != nil, !files.listenerReady {
                    throw ValidationError("--peer needs this data dir's mesh certificates (`triforce join` or `triforce ca init`)")
                }
                guard let manifest = try await ConfigSyncState.load(node.database).release else {
                    throw ValidationError("no release.json in the applied config commit (`triforce sync config` shows it)")
                }
                let previous = directory.current
                let fetcher = try CurlHTTPClient()
                let installed = try await ReleaseDownload(fetcher: fetcher, directory: directory)
                    .install(manifest, peer: address.map { ($0, files) })
                if previous == installed {
                    print("release \(installed) is already current in \(directory.prefix)")
                } else {
                    print("release \(installed) is current in \(directory.prefix)" + (previous.map { " (previous: \($0))" } ?? ""))
                    print("restart the service to run it: systemctl restart triforce")
                }
            }
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make the previous release current again.")

        @OptionGroup var options: PrefixOptions

        func run() async throws {
            let directory = options.directory
            do {
                let version = try directory.rollback()
                print("release \(version) is current again in \(directory.prefix); restart the service to run it")
            } catch {
                Startup.fail("\(error)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Installed releases; * marks current, - previous.")

        @OptionGroup var options: PrefixOptions

        func run() async throws {
            let directory = options.directory
            let current = directory.current, previous = directory.previous
            let versions = directory.installed()
            if versions.isEmpty { print("no releases under \(directory.prefix)") }
            for version in versions {
                print("\(version == current ? "*" : version == previous ? "-" : " ") \(version)")
            }
        }
    }
}
