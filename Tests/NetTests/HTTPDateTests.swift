import FoundationEssentials
import Testing
@testable import Net

/// The hand-written IMF-fixdate against known dates, and against FoundationEssentials'
/// calendar over every day of four centuries (leap years, century rules, weekdays).
@Suite struct HTTPDateTests {
    @Test(arguments: [
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),   // RFC 9110's example
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (4_107_542_399, "Sun, 28 Feb 2100 23:59:59 GMT"),
        (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT"),
        (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),
        (1_795_996_800, "Mon, 30 Nov 2026 00:00:00 GMT"),
    ])
    func knownDates(_ seconds: Int, _ text: String) {
        #expect(HTTPDate.format(secondsSince1970: seconds) == text)
    }

    @Test func everyDayOfFourCenturiesMatchesTheCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "GMT")!
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        for day in stride(from: -36_524, through: 109_572, by: 1) {
            let seconds = day * 86_400 + 45_296   // 12:34:56
            let parts = calendar.dateComponents([.year, .month, .day, .weekday],
                                                from: Date(timeIntervalSince1970: Double(seconds)))
            let two = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
            let expected = "\(weekdays[parts.weekday! - 1]), \(two(parts.day!)) \(months[parts.month! - 1]) \(parts.year!) 12:34:56 GMT"
            if HTTPDate.format(secondsSince1970: seconds) != expected {
                Issue.record("day \(day): \(HTTPDate.format(secondsSince1970: seconds)) != \(expected)")
                return
            }
        }
    }

    @Test func nowIsTodayInTheHeaderShape() {
        let text = HTTPDate().now
        #expect(text.count == 29)
        #expect(text.hasSuffix(" GMT"))
    }
}
