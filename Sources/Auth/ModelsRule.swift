public import Core
import Net

/// Which models a tier may use, stored as JSON in `tiers.models_rule`:
/// `{"all": true}` or any of `{"allow": [ids], "classes": ["local", "small"], "deny": [ids], "max": 5}`.
/// A model passes when it is not denied and `all` is set, it is allowed by id (or upstream
/// id), or it belongs to a listed class. `max` caps how many of the passing models the tier
/// sees (local first, then by id), so guests get a short, stable list.
public struct ModelsRule: Sendable, Equatable, Codable {
    public var all: Bool?
    public var allow: [String]?
    public var classes: [String]?
    public var deny: [String]?
    public var max: Int?

    public init(all: Bool? = nil, allow: [String]? = nil, classes: [String]? = nil, deny: [String]? = nil, max: Int? = nil) {
        self.all = all
        self.allow = allow
        self.classes = classes
        self.deny = deny
        self.max = max
    }

    public static let everything = ModelsRule(all: true)

    /// Names that mark a small, cheap model: parameter counts up to ~9B and vendor size words.
    static let smallMarkers = ["mini", "flash", "haiku", "small", "nano", "lite", "tiny"]
    static let smallSizes = ["0.5b", "1b", "1.5b", "2b", "3b", "4b", "7b", "8b", "9b"]

    public static func isSmall(_ model: ModelDescriptor) -> Bool {
        let name = model.id.lowercased()
        let tokens = name.split(whereSeparator: { "/:-_. ".contains($0) }).map(String.init)
        // Whole tokens only: "gemini" must not count as "mini".
        return tokens.contains { smallMarkers.contains($0) || smallSizes.contains($0) }
    }

    /// The rule alone, without the `max` cap.
    public func matches(_ model: ModelDescriptor) -> Bool {
        let upstream = model.id.utf8.firstIndex(of: UInt8(ascii: "/")).map { String(model.id[model.id.utf8.index(after: $0)...]) } ?? model.id
        if let deny, deny.contains(model.id) || deny.contains(upstream) { return false }
        if all == true { return true }
        if let allow, allow.contains(model.id) || allow.contains(upstream) { return true }
        for kind in classes ?? [] {
            switch kind {
            case "*", "all": return true
            case "local" where model.isLocal: return true
            case "small" where Self.isSmall(model): return true
            default: continue
            }
        }
        return false
    }

    /// The models this rule lets a tier see, capped by `max`.
    public func filter(_ models: [ModelDescriptor]) -> [ModelDescriptor] {
        let passing = models.filter(matches).sorted { a, b in
            a.isLocal != b.isLocal ? a.isLocal : a.id < b.id
        }
        guard let max else { return passing }
        return Array(passing.prefix(Swift.max(0, max)))
    }
}
