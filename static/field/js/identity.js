// Resident identity numbers (GB 11643), checked on the phone before a record is saved.
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = "10X98765432";

export function normalizeIdNumber(raw) {
  return (raw || "").replace(/\s/g, "").toUpperCase();
}

// "length", "check_digit" or null when the number reads right.
export function idNumberProblem(raw) {
  const value = normalizeIdNumber(raw);
  if (!value) return null;
  if (!/^\d{17}[\dX]$/.test(value)) return "length";
  const total = WEIGHTS.reduce((sum, weight, i) => sum + weight * Number(value[i]), 0);
  return CHECK_CHARS[total % 11] === value[17] ? null : "check_digit";
}
