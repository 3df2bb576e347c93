import Core
import ArgumentParser
import Auth
import Net
import FoundationEssentials

/// `triforce tier list|set`: tier policies (quota, features, model rule).
struct TierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tier", abstract: "Show or edit tier policies.", subcommands: [List.self, Set.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Print every tier.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            try await NodeCommand.with(data) { node in
                for tier in try await node.auth.tiers.list() {
                    let rule = String(decoding: (try? JSONEncoder().encode(tier.modelsRule)) ?? Data(), as: UTF8.self)
                    print("\(tier.name.padded(to: 10))  rph=\(tier.requestsPerHour.map(String.init) ?? "unlimited")  features=\(tier.features.map(\.rawValue).sorted().joined(separator: ","))  models=\(rule)")
                }
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Create or change a tier; omitted options keep their value.")
        @OptionGroup var data: DataOptions
        @Argument var name: String
        @Option(help: "Requests per hour, or 'none' for no limit.") var rph: String?
        @Option(help: "Comma separated: chat,memory,agents,web,code,code_write,shell,mesh,admin.") var features: String?
        @Option(help: #"JSON, e.g. {"classes":["local","small"],"max":5} or {"all":true}."#) var modelsRule: String?
        @Option(help: "Description.") var description: String?

        func run() async throws {
            var limit: Int?? = nil
            if let rph {
                if rph == "none" || rph == "unlimited" { limit = .some(nil) }
                else if let value = Int(rph), value >= 0 { limit = .some(value) }
                else { throw ValidationError("--rph must be a whole number >= 0 or 'none'") }
            }
            var rule: ModelsRule?
            if let modelsRule {
                do { rule = try JSONDecoder().decode(ModelsRule.self, from: Data(modelsRule.utf8)) }
                catch { throw ValidationError("--models-rule is not a valid rule: \(error)") }
            }
            try await NodeCommand.with(data) { node in
                var tier = try await node.auth.tiers.get(name) ?? Tier(name: name, requestsPerHour: 0, features: [], modelsRule: ModelsRule())
                if let limit { tier.requestsPerHour = limit }
                if let features { tier.features = Swift.Set(features.split(separator: ",").map { Feature(rawValue: $0.trimmed()) }) }
                if let rule { tier.modelsRule = rule }
                if let description { tier.description = description }
                try await node.auth.tiers.set(tier)
                print("tier \(name) saved")
            }
        }
    }
}
