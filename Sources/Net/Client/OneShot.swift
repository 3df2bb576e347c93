import Synchronization

/// Holds a value that may be taken exactly once, from any thread (guarded by its mutex).
/// Also how a long-lived closure lets go of something it needs only at its start (a
/// stream's request body, once sent).
public final class OneShot<Value: Sendable>: Sendable {
    private let slot: Mutex<Value?>
    public init(_ value: Value) { slot = Mutex(value) }
    public func take() -> Value? { slot.withLock { value in defer { value = nil }; return value } }
}
