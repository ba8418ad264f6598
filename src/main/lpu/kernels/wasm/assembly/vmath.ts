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
