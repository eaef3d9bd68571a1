/**
 * The geometry both conv2d filter-gradient formulations (conv2dBackpropFilter.ts's swapped
 * convolution and conv2dFilterIm2col.ts's im2col + matmul) work from. Its own module so that the
 * kernel, which chooses between them, and the im2col formulation it calls depend on it, not on
 * each other.
 */
import type * as tf from '@tensorflow/tfjs';

/** The geometry this gradient needs, as computed by `tf.backend_util.computeConv2DInfo`. */
export type FilterGradientGeometry = Pick<
  tf.backend_util.Conv2DInfo,
  | 'filterHeight'
  | 'filterWidth'
  | 'strideHeight'
  | 'strideWidth'
  | 'dilationHeight'
  | 'dilationWidth'
  | 'outHeight'
  | 'outWidth'
  | 'padInfo'
>;
