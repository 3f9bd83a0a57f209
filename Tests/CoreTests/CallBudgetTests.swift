import Core
import Foundation
import Testing

@Suite struct CallBudgetTests {
    @Test func slotsAreASixtiethOfTheWindow() {
        let hourly = CallBudget(limit: 190_000, window: 3600)
        let at = Date(timeIntervalSince1970: 1_800_000_059)
        #expect(hourly.slot(at) == 30_000_000 && hourly.firstSlot(at) == 29_999_941)   // minutes, the last 60 of them
        #expect(hourly.nextSlotStart(at) == Date(timeIntervalSince1970: 1_800_000_060))
        let perSecond = CallBudget(limit: 50, window: 1)
        #expect(perSecond.slot(Date(timeIntervalSince1970: 10.5)) == 630)
        #expect(perSecond.nextSlotStart(Date(timeIntervalSince1970: 10.5)).timeIntervalSince1970 > 10.5)
        #expect(perSecond.nextSlotStart(Date(timeIntervalSince1970: 10.5)).timeIntervalSince1970 <= 10.5 + 1.0 / 60 + 1e-9)
    }

    @Test func describesItself() {
        #expect(CallBudget(limit: 190_000, window: 3600).summary == "190000 calls an hour")
        #expect(CallBudget(limit: 50, window: 1).summary == "50 calls a second")
        #expect(CallBudget(limit: 250, window: 60).summary == "250 calls a minute")
    }
}
