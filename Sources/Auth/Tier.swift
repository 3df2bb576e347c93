public import Core
import Net

/// A tier's policy from the replicated `tiers` table: quota, features and model rule.
public struct Tier: Sendable, Equatable {
    public var name: String
    public var description: String
    /// nil: no request limit.
    public var requestsPerHour: Int?
    public var features: Set<Feature>
    public var modelsRule: ModelsRule

    public init(name: String, description: String = "", requestsPerHour: Int?, features: Set<Feature>, modelsRule: ModelsRule) {
        self.name = name
        self.description = description
        self.requestsPerHour = requestsPerHour
        self.features = features
        self.modelsRule = modelsRule
    }

    /// Features only admins get, whatever their tier says.
    public static let adminOnly: Set<Feature> = [.admin, .shell, .codeWrite]

    /// Seeded when absent (the seed's table): guest 10/h chat with up to 5 local or small
    /// models; pro 100/h adding memory, agents, web and code reading; unlimited everything.
    public static let defaults: [Tier] = [
        Tier(name: "guest", description: "anonymous and trial users", requestsPerHour: 10,
             features: [.chat], modelsRule: ModelsRule(classes: ["local", "small"], max: 5)),
        Tier(name: "pro", description: "registered users", requestsPerHour: 100,
             features: [.chat, .memory, .agents, .web, .code], modelsRule: .everything),
        Tier(name: "unlimited", description: "operators: no request limit", requestsPerHour: nil,
             features: [.chat, .memory, .agents, .web, .code, .codeWrite, .shell, .mesh, .admin], modelsRule: .everything),
    ]
}
