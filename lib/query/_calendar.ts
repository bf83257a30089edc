/**
 * Range checks of the fields of a UTC date and time, as Python's
 * `strptime` and `datetime` make them: month 1-12, day within the month
 * (leap years included), hour 0-23, minute and second 0-59. Private to
 * lib/query.
 *
 * @module
 */

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;

/** Whether `year` is a Gregorian leap year. */
function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The days of `month` (1-12) in `year`. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The fields of a date and time, as written (whole numbers). */
export interface CalendarFields {
  /** Year, 1-9999. */
  year: number;
  /** Month, 1-12. */
  month: number;
  /** Day of the month. */
  day: number;
  /** Hour, 0-23. */
  hour: number;
  /** Minute, 0-59. */
  minute: number;
  /** Second, 0-59. */
  second: number;
}

/**
 * What is out of range in `f`, e.g. "day 30 is out of range (February 2026
 * has 28 days)", or undefined when it is a real date and time.
 */
export function calendarProblem(f: CalendarFields): string | undefined {
  if (f.year < 1) return `year ${f.year} is out of range 1-9999`;
  if (f.month < 1 || f.month > 12) {
    return `month ${f.month} is out of range 1-12`;
  }
  const days = daysInMonth(f.year, f.month);
  if (f.day < 1 || f.day > days) {
    return `day ${f.day} is out of range (${
      MONTHS[f.month - 1]
    } ${f.year} has ${days} days)`;
  }
  if (f.hour > 23) return `hour ${f.hour} is out of range 0-23`;
  if (f.minute > 59) return `minute ${f.minute} is out of range 0-59`;
  if (f.second > 59) return `second ${f.second} is out of range 0-59`;
  return undefined;
}

/** Unix seconds of valid fields (checked by {@linkcode calendarProblem}). */
export function calendarSeconds(f: CalendarFields): number {
  const date = new Date(0);
  date.setUTCFullYear(f.year, f.month - 1, f.day);
  date.setUTCHours(f.hour, f.minute, f.second, 0);
  return date.getTime() / 1000;
}
