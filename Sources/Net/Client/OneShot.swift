import Synchronization

/// Holds a value that may be taken exactly once, from any thread (guarded by its mutex).
final class OneShot<Value: Sendable>: Sendable {
    private let slot: Mutex<Value?>
    init(_ value: Value) { slot = Mutex(value) }
    func take() -> Value? { slot.withLock { value in defer { value = nil }; return value } }
}
