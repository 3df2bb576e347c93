import FoundationEssentials
import Storage
import Testing

/// Every value type survives a bind → store → read round trip unchanged.
@Suite struct SQLValueTests {
    static let table = [Migration(version: 1, name: "values", sql: "CREATE TABLE v (id INTEGER PRIMARY KEY, x ANY) STRICT;")]

    static let samples: [SQLValue] = [
        .null,
        .integer(0), .integer(1), .integer(-1), .integer(.min), .integer(.max),
        .real(0), .real(-0.5), .real(3.141592653589793), .real(.greatestFiniteMagnitude), .real(.leastNonzeroMagnitude),
        .text(""), .text("plain"), .text("héllo wörld ✓ 日本語 𝄞 emoji 🧪👩‍💻"), .text(String(repeating: "long ", count: 20_000)),
        .blob(Data()), .blob(Data([0])), .blob(Data([0, 1, 2, 0, 255])), .blob(Data((0..<100_000).map { UInt8($0 % 251) })),
    ]

    @Test(arguments: samples)
    func roundTrip(_ value: SQLValue) async throws {
        try await withDatabase(migrations: Self.table) { database, _ in
            let id = try await database.write { connection in
                try connection.run("INSERT INTO v(x) VALUES (?)", value)
                return connection.lastInsertRowID
            }
            let back = try await database.read { try $0.queryOne("SELECT x, typeof(x) AS t FROM v WHERE id = ?", id) }
            #expect(back?["x"] == value)
            let expectedType = switch value {
            case .null: "null"
            case .integer: "integer"
            case .real: "real"
            case .text: "text"
            case .blob: "blob"
            }
            #expect(back?.string("t") == expectedType)
        }
    }

    @Test func textWithEmbeddedNULIsNotTruncated() async throws {
        try await withDatabase(migrations: Self.table) { database, _ in
            let text = "before\u{0}after"
            try await database.write { try $0.run("INSERT INTO v(x) VALUES (?)", text) }
            #expect(try await database.read { try $0.scalar("SELECT x FROM v")?.string } == text)
        }
    }

    @Test func swiftTypesBindAsExpected() async throws {
        try await withDatabase(migrations: Self.table) { database, _ in
            let missing: String? = nil
            let row = try await database.read { connection in
                try connection.queryOne("SELECT ? AS i, ? AS u, ? AS d, ? AS b, ? AS s, ? AS data, ? AS n, ? AS sub",
                                        42, UInt64.max, 2.5, true, "s", Data([1, 2]), missing, "abc".dropFirst())
            }
            #expect(row?.int("i") == 42)
            #expect(row?["u"] == .integer(-1))  // bit pattern kept
            #expect(row?.double("d") == 2.5)
            #expect(row?.bool("b") == true)
            #expect(row?.string("s") == "s")
            #expect(row?.data("data") == Data([1, 2]))
            #expect(row?["n"] == .null && row?.string("n") == nil)
            #expect(row?.string("sub") == "bc")
            #expect(row?.int("absent") == nil)
        }
    }

    @Test func strictAccessorsDoNotConvert() {
        #expect(SQLValue.integer(3).int64 == 3)
        #expect(SQLValue.integer(3).string == nil)
        #expect(SQLValue.text("3").int64 == nil)
        #expect(SQLValue.real(1.5).double == 1.5)
        #expect(SQLValue.blob(Data([9])).data == Data([9]))
        #expect(SQLValue.null.isNull)
    }
}
