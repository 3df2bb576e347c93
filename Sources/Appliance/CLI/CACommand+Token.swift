import ArgumentParser
import FoundationEssentials
import Mesh
import Net
import Storage

extension CACommand {
    /// `triforce ca token create|list`: join tokens for the mesh join flow.
    struct TokenCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "token", abstract: "Join tokens for new mesh nodes.", subcommands: [Create.self, List.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "create", abstract: "Create a join token; it is printed once, only its hash is stored.")
            @OptionGroup var data: DataOptions
            @Option(help: "Lifetime: 90s, 30m, 1h, 7d.") var ttl: String = "1h"
            @Option(help: "How many joins it allows.") var uses: Int = 1

            func validate() throws {
                guard TokenCommand.seconds(ttl) != nil else { throw ValidationError("--ttl must look like 90s, 30m, 1h or 7d") }
                guard (1...1000).contains(uses) else { throw ValidationError("--uses must be 1...1000") }
            }

            func run() async throws {
                try await NodeCommand.with(data) { node in
                    let authority = try CACommand.loadAuthority(node)
                    let address = "\(node.configuration.host):\(try node.configuration.meshPort())"
                    let (id, token) = try await JoinTokenStore(database: node.database).create(
                        nodeID: node.identity.nodeID, meshAddress: address, caPin: authority.certificate.spkiSHA256,
                        ttlSeconds: TokenCommand.seconds(ttl) ?? 3600, uses: Int64(uses))
                    print(token)
                    FileHandleOutput.stderr("join token \(id): \(uses) use(s), expires in \(ttl); shown once, only its hash is stored\n")
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List join tokens (never the secrets).")
            @OptionGroup var data: DataOptions

            func run() async throws {
                try await NodeCommand.with(data) { node in
                    let now = Int64(Date().timeIntervalSince1970)
                    for token in try await JoinTokenStore(database: node.database).list() {
                        let state = token.usesLeft <= 0 ? "used" : token.expiresAt <= now ? "expired" : "active"
                        print("\(token.id)  expires \(UTCTime.text(token.expiresAt))  uses_left=\(token.usesLeft)  \(state)")
                    }
                }
            }
        }

        /// `90s`, `30m`, `1h`, `7d` (a bare number is seconds) → seconds.
        static func seconds(_ text: String) -> Int64? {
            let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
            let (digits, unit) = text.last.flatMap { units[$0] }.map { (text.dropLast(), $0) } ?? (Substring(text), 1)
            guard let value = Int64(digits), value > 0, value <= 365 * 86400 / unit else { return nil }
            return value * unit
        }
    }
}
