import ArgumentParser
import Auth
import Net

/// `triforce user add|list|set-tier|passwd|disable|enable|delete`.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users.",
        subcommands: [Add.self, List.self, SetTier.self, Passwd.self, Disable.self, Enable.self, Delete.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Create a user (prints a generated password once unless --password-stdin).")
        @OptionGroup var data: DataOptions
        @Argument(help: "Email address (login name).") var email: String
        @Option(help: "Tier: guest, pro, unlimited or a custom one.") var tier: String = "guest"
        @Flag(help: "Give the user the admin role.") var admin = false
        @Flag(help: "Read the password from stdin instead of generating one.") var passwordStdin = false

        func run() async throws {
            let password = passwordStdin ? try NodeCommand.readSecretLine(prompt: "password: ") : try PasswordHasher.generatePassword()
            try await NodeCommand.with(data) { node in
                let user = try await node.auth.users.add(email: email, password: password, tier: tier, role: admin ? .admin : .user)
                print("created \(user.email) (id \(user.id), tier \(user.tier), role \(user.role.rawValue))")
                if !passwordStdin { print("password: \(password)\n(shown once; change it with `triforce user passwd \(user.email)`)") }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List users.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            try await NodeCommand.with(data) { node in
                let users = try await node.auth.users.list()
                let width = max(5, users.map(\.email.count).max() ?? 0)
                print("EMAIL".padded(to: width) + "  TIER       ROLE   STATUS    ID")
                for user in users {
                    print(user.email.padded(to: width) + "  " + user.tier.padded(to: 9) + "  " + user.role.rawValue.padded(to: 5)
                          + "  " + (user.disabled ? "disabled" : "active").padded(to: 8) + "  " + user.id)
                }
            }
        }
    }

    struct SetTier: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-tier", abstract: "Change a user's tier (applies to the next request).")
        @OptionGroup var data: DataOptions
        @Argument var email: String
        @Argument var tier: String

        func run() async throws {
            try await NodeCommand.with(data) { node in
                try await node.auth.users.setTier(email: email, tier: tier)
                print("\(email): tier \(tier)")
            }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "passwd", abstract: "Set a user's password, read from stdin.")
        @OptionGroup var data: DataOptions
        @Argument var email: String

        func run() async throws {
            let password = try NodeCommand.readSecretLine(prompt: "new password: ")
            try await NodeCommand.with(data) { node in
                try await node.auth.users.setPassword(email: email, password: password)
                print("\(email): password changed")
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "disable", abstract: "Disable a user: their tokens and keys stop working at once.")
        @OptionGroup var data: DataOptions
        @Argument var email: String

        func run() async throws {
            try await NodeCommand.with(data) { node in
                try await node.auth.users.setDisabled(email: email, true)
                print("\(email): disabled")
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "enable", abstract: "Re-enable a disabled user.")
        @OptionGroup var data: DataOptions
        @Argument var email: String

        func run() async throws {
            try await NodeCommand.with(data) { node in
                try await node.auth.users.setDisabled(email: email, false)
                print("\(email): enabled")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a user and their API keys.")
        @OptionGroup var data: DataOptions
        @Argument var email: String

        func run() async throws {
            try await NodeCommand.with(data) { node in
                try await node.auth.users.delete(email: email)
                print("\(email): deleted")
            }
        }
    }
}
