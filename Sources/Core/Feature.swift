/// A capability a tier may or may not include. Tiers store their features by raw value.
public struct Feature: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let chat = Feature(rawValue: "chat")
    public static let memory = Feature(rawValue: "memory")
    public static let agents = Feature(rawValue: "agents")
    public static let code = Feature(rawValue: "code")        // read code/files in the workspace
    public static let codeWrite = Feature(rawValue: "code_write")
    public static let web = Feature(rawValue: "web")          // search and crawl
    public static let shell = Feature(rawValue: "shell")
    public static let mesh = Feature(rawValue: "mesh")
    public static let admin = Feature(rawValue: "admin")

    public var description: String { rawValue }
}
