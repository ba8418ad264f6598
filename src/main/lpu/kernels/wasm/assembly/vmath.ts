// Vector math shared by the kernels: horizontal sums, exp and binary16 → f32, all on f32x4 lanes.

/** (l0 + l1) + (l2 + l3): one fixed order so every caller reduces identically. */
@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

@inline export function hmax(v: v128): f32 {
  return Mathf.max(Mathf.max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), Mathf.max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

// Cephes expf: range reduction by ln2 then a degree-6 polynomial; ~2 ulp over [-87, 88], 0 below.
@inline export function vexp(x0: v128): v128 {
  const x = f32x4.max(f32x4.min(x0, f32x4.splat(88.3762626647949)), f32x4.splat(-87.3365447504));
  const fx = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(fx, f32x4.splat(-2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(y, r), r), r), f32x4.splat(1.0));
  const pow2 = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(fx), i32x4.splat(127)), 23);
  return f32x4.mul(y, pow2);
}

/** Scalar exp with exactly the lane semantics of vexp (used for tails). */
@inline export function sexp(x: f32): f32 {
  return f32x4.extract_lane(vexp(f32x4.splat(x)), 0);
}

// binary16 → f32 by shifting the bits into place and rescaling by 2^112 (handles subnormals); inf/NaN patched.
@inline export function f16x4ToF32(h: v128): v128 {
  const magnitude = v128.and(h, i32x4.splat(0x7fff));
  let f = f32x4.mul(i32x4.shl(magnitude, 13), f32x4.splat(5.192296858534828e33));
  const infOrNan = i32x4.ge_u(magnitude, i32x4.splat(0x7c00));
  f = v128.bitselect(v128.or(i32x4.shl(magnitude, 13), i32x4.splat(0x7f800000)), f, infOrNan);
  return v128.or(f, i32x4.shl(v128.and(h, i32x4.splat(0x8000)), 16));
}

@inline export function f16ToF32(h: u32): f32 {
  return f32x4.extract_lane(f16x4ToF32(i32x4.splat(h)), 0);
}

/** 2^112: the factor between a binary16's bits shifted into f32 position and its value. */
export const HALF_RESCALE: f32 = 5.192296858534828e33;

// Four binary16 sign-extended into i32 lanes → their values times 2^-112, exactly (subnormal halves become f32
// subnormals): sign and magnitude bits moved into f32 position, no multiply. ±inf/NaN halves read as finite, which
// only an overflowed cache holds.
@inline export function halvesScaledDown(h: v128): v128 {
  return v128.and(i32x4.shl(h, 13), i32x4.splat(0x8fffe000));
}

/** Four binary16 at p → f32x4 (exact for finite halves; see halvesScaledDown). */
@inline export function loadHalvesF32(p: usize): v128 {
  return f32x4.mul(halvesScaledDown(v128.load16x4_s(p)), f32x4.splat(HALF_RESCALE));
}

/** Four binary16 at p → f32x4 of their values times 2^-112. */
@inline export function loadHalvesScaledDown(p: usize): v128 {
  return halvesScaledDown(v128.load16x4_s(p));
}

/** One binary16 at p → f32, the lane semantics of loadHalvesF32. */
@inline export function loadHalfF32(p: usize): f32 {
  return f32x4.extract_lane(halvesScaledDown(i32x4.splat(<i32>load<i16>(p))), 0) * HALF_RESCALE;
}

/** One binary16 at p → its value times 2^-112, the lane semantics of loadHalvesScaledDown. */
@inline export function loadHalfScaledDown(p: usize): f32 {
  return f32x4.extract_lane(halvesScaledDown(i32x4.splat(<i32>load<i16>(p))), 0);
}

// f32x4 → binary16 bits in i32 lanes, round to nearest even: subnormal halves by letting an f32 add round at the
// half ulp (2^-24), overflow to ±inf, NaN to a quiet NaN; the sign is carried through for all of them.
@inline export function f32x4ToHalves(x: v128): v128 {
  const sign = v128.and(x, i32x4.splat(0x80000000)), a = v128.xor(x, sign);
  const odd = v128.and(i32x4.shr_u(a, 13), i32x4.splat(1));
  let h = i32x4.shr_u(i32x4.add(i32x4.add(a, i32x4.splat(0xc8000fff)), odd), 13); // rebias exponent 127 → 15, round
  const subnormal = i32x4.sub(f32x4.add(a, f32x4.splat(0.5)), i32x4.splat(0x3f000000));
  h = v128.bitselect(subnormal, h, i32x4.lt_s(a, i32x4.splat(0x38800000))); // |x| < 2^-14
  h = v128.bitselect(i32x4.splat(0x7c00), h, i32x4.ge_s(a, i32x4.splat(0x47800000))); // |x| ≥ 2^16
  h = v128.bitselect(i32x4.splat(0x7e00), h, i32x4.gt_s(a, i32x4.splat(0x7f800000))); // NaN
  return v128.or(h, i32x4.shr_u(sign, 16));
}
