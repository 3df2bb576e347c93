extension Connection {
    /// Runs `body` in a deferred transaction so several queries see one consistent state
    /// (works on query-only reader connections, unlike `transaction`'s `BEGIN IMMEDIATE`).
    public func readTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }
}
