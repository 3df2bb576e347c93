/// One caller's model decision, resolved once per request (see `AccessPolicy.modelGate`).
public struct ModelGate: Sendable {
    let check: @Sendable (ModelDescriptor) async -> Bool

    public init(_ check: @escaping @Sendable (ModelDescriptor) async -> Bool) { self.check = check }

    public func allows(_ model: ModelDescriptor) async -> Bool { await check(model) }
}
