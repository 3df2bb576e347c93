public import Core
public import Net

extension Principal {
    /// How a caller's identity travels with a forwarded call. Members are CA-certified, so
    /// the owner takes it as the caller's; it still applies its own tier policy to it.
    public var meshJSON: JSONValue {
        ["subject": .string(subject), "tier": .string(tier), "is_admin": .bool(isAdmin), "guest": .bool(isGuest)]
    }

    /// Reads `meshJSON`; nil when a field is missing or oversized.
    public init?(meshJSON value: JSONValue?) {
        guard let subject = value?["subject"]?.stringValue, !subject.isEmpty, subject.utf8.count <= 256,
              let tier = value?["tier"]?.stringValue, !tier.isEmpty, tier.utf8.count <= 64 else { return nil }
        let guest = value?["guest"]?.boolValue ?? false
        self.init(subject: subject, tier: tier, isAdmin: !guest && value?["is_admin"]?.boolValue == true, method: guest ? .guest : .mesh)
    }
}
