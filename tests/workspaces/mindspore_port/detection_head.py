"""RetinaNet-style detection head and post-processing, ported from the PyTorch version.

Port notes:
- torchvision's `batched_nms` has no direct MindSpore twin; NMS is written out in `nms_per_class`.
- Post-processing moved into a Cell so it can be exported with the network. Boolean indexing,
  `nonzero` and a data-dependent `topk` were carried over from torch and make shapes dynamic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mindspore as ms
import numpy as np
from mindspore import Tensor, nn, ops
from mindspore.common.initializer import Constant, Normal, initializer


@dataclass
class HeadConfig:
    in_channels: int = 256
    num_anchors: int = 9
    num_classes: int = 80
    num_convs: int = 4
    prior_probability: float = 0.01
    score_thresh: float = 0.05
    nms_thresh: float = 0.5
    topk_candidates: int = 1000
    detections_per_image: int = 100
    bbox_clip: float = math.log(1000.0 / 16)


def make_tower(channels: int, num_convs: int) -> nn.SequentialCell:
    layers = []
    for _ in range(num_convs):
        layers.append(nn.Conv2d(channels, channels, kernel_size=3, stride=1, pad_mode="pad", padding=1, has_bias=True))
        layers.append(nn.GroupNorm(32, channels))
        layers.append(nn.ReLU())
    return nn.SequentialCell(layers)


class BoxDecoder(nn.Cell):
    """Turns (dx, dy, dw, dh) offsets from anchors back into corner boxes."""

    def __init__(self, weights: tuple = (1.0, 1.0, 1.0, 1.0), clip: float = 4.135) -> None:
        super().__init__()
        self.weights = weights
        self.clip = clip

    def construct(self, deltas, anchors):
        widths = anchors[:, 2] - anchors[:, 0]
        heights = anchors[:, 3] - anchors[:, 1]
        ctr_x = anchors[:, 0] + 0.5 * widths
        ctr_y = anchors[:, 1] + 0.5 * heights
        wx, wy, ww, wh = self.weights
        dx = deltas[:, 0] / wx
        dy = deltas[:, 1] / wy
        dw = ops.clamp(deltas[:, 2] / ww, max=self.clip)
        dh = ops.clamp(deltas[:, 3] / wh, max=self.clip)
        pred_ctr_x = dx * widths + ctr_x
        pred_ctr_y = dy * heights + ctr_y
        pred_w = ops.exp(dw) * widths
        pred_h = ops.exp(dh) * heights
        return ops.stack(
            (pred_ctr_x - 0.5 * pred_w, pred_ctr_y - 0.5 * pred_h, pred_ctr_x + 0.5 * pred_w, pred_ctr_y + 0.5 * pred_h),
            axis=1,
        )


class RetinaHead(nn.Cell):
    def __init__(self, config: HeadConfig) -> None:
        super().__init__()
        self.config = config
        self.cls_tower = make_tower(config.in_channels, config.num_convs)
        self.box_tower = make_tower(config.in_channels, config.num_convs)
        # Copied from the torch head: padding=1 without pad_mode="pad".
        self.cls_logits = nn.Conv2d(config.in_channels, config.num_anchors * config.num_classes, 3, padding=1)
        self.bbox_pred = nn.Conv2d(config.in_channels, config.num_anchors * 4, 3, padding=1)
        # Start with every anchor predicting background with probability 1 - prior (Lin et al., 2017).
        bias_value = -math.log((1 - config.prior_probability) / config.prior_probability)
        self.cls_logits.weight.set_data(initializer(Normal(0.01), self.cls_logits.weight.shape))
        self.bbox_pred.weight.set_data(initializer(Normal(0.01), self.bbox_pred.weight.shape))
        self.cls_logits.bias = ms.Parameter(
            initializer(Constant(bias_value), (config.num_anchors * config.num_classes,)), name="cls_logits.bias"
        )

    def construct(self, features):
        cls_outputs, box_outputs = (), ()
        for feature in features:
            batch, _, height, width = feature.shape
            cls = self.cls_logits(self.cls_tower(feature))
            box = self.bbox_pred(self.box_tower(feature))
            # (B, A*K, H, W) -> (B, H*W*A, K)
            cls = cls.view(batch, -1, self.config.num_classes, height, width).permute(0, 3, 4, 1, 2)
            box = box.view(batch, -1, 4, height, width).permute(0, 3, 4, 1, 2)
            cls_outputs += (cls.reshape(batch, -1, self.config.num_classes),)
            box_outputs += (box.reshape(batch, -1, 4),)
        return cls_outputs, box_outputs


class PostProcess(nn.Cell):
    """Score threshold, per-level top-k, decode and class-aware NMS for one image."""

    def __init__(self, config: HeadConfig) -> None:
        super().__init__()
        self.config = config
        self.decoder = BoxDecoder(clip=config.bbox_clip)
        self.sigmoid = nn.Sigmoid()

    def select_level(self, cls_level, box_level, anchors_level):
        scores = self.sigmoid(cls_level).flatten()
        keep = scores > self.config.score_thresh
        scores = scores[keep]
        candidate_ids = ops.nonzero(keep).squeeze(1)

        num_topk = min(self.config.topk_candidates, int(keep.sum()))
        scores, order = ops.topk(scores, num_topk)
        candidate_ids = candidate_ids[order]

        anchor_ids = ops.floor_div(candidate_ids, self.config.num_classes)
        labels = candidate_ids % self.config.num_classes
        boxes = self.decoder(box_level[anchor_ids], anchors_level[anchor_ids])
        return boxes, scores, labels

    def construct(self, cls_outputs, box_outputs, anchors):
        all_boxes, all_scores, all_labels = [], [], []
        for cls_level, box_level, anchors_level in zip(cls_outputs, box_outputs, anchors):
            boxes, scores, labels = self.select_level(cls_level, box_level, anchors_level)
            all_boxes.append(boxes)
            all_scores.append(scores)
            all_labels.append(labels)
        boxes = ops.cat(all_boxes)
        scores = ops.cat(all_scores)
        labels = ops.cat(all_labels)
        keep = nms_per_class(boxes.asnumpy(), scores.asnumpy(), labels.asnumpy(), self.config.nms_thresh)
        keep = Tensor(keep[: self.config.detections_per_image], ms.int32)
        return boxes[keep], scores[keep], labels[keep]


def box_iou_np(boxes1: np.ndarray, boxes2: np.ndarray) -> np.ndarray:
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
    lt = np.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    rb = np.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    return inter / (area1[:, None] + area2[None, :] - inter)


def nms_per_class(boxes: np.ndarray, scores: np.ndarray, labels: np.ndarray, iou_thresh: float) -> np.ndarray:
    """Greedy NMS; offsetting boxes by class keeps classes from suppressing each other."""
    if boxes.shape[0] == 0:
        return np.zeros((0,), np.int64)
    offsets = labels.astype(boxes.dtype)[:, None] * (boxes.max() + 1)
    shifted = boxes + offsets
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    keep = []
    suppressed = np.zeros(len(scores), bool)
    for i in order:
        if suppressed[i]:
            continue
        keep.append(i)
        ious = box_iou_np(shifted[i : i + 1], shifted)[0]
        suppressed |= ious > iou_thresh
    return np.array(keep, np.int64)


def match_anchors(anchors: Tensor, gt_boxes: Tensor, fg_iou: float = 0.5, bg_iou: float = 0.4) -> Tensor:
    """Index of the matched ground-truth box per anchor; -1 background, -2 ignored (host side)."""
    if gt_boxes.shape[0] == 0:
        return ops.full((anchors.shape[0],), -1, dtype=ms.int32)
    iou = box_iou_np(gt_boxes.asnumpy(), anchors.asnumpy())
    best_iou = iou.max(axis=0)
    matched = iou.argmax(axis=0)
    matched[best_iou < bg_iou] = -1
    matched[(best_iou >= bg_iou) & (best_iou < fg_iou)] = -2
    # Every ground-truth box keeps at least its best anchor, even below the threshold.
    gt_ids, anchor_ids = np.nonzero(iou == iou.max(axis=1)[:, None])
    matched[anchor_ids] = gt_ids
    return Tensor(matched, ms.int32)


class SigmoidFocalLoss(nn.Cell):
    def __init__(self, alpha: float = 0.25, gamma: float = 2.0) -> None:
        super().__init__()
        self.alpha = alpha
        self.gamma = gamma
        self.bce = nn.BCEWithLogitsLoss(reduction="none")

    def construct(self, logits, targets):
        p = ops.sigmoid(logits)
        ce = self.bce(logits, targets)
        p_t = p * targets + (1 - p) * (1 - targets)
        loss = ce * ((1 - p_t) ** self.gamma)
        alpha_t = self.alpha * targets + (1 - self.alpha) * (1 - targets)
        return (alpha_t * loss).sum()


if __name__ == "__main__":
    ms.set_context(mode=ms.GRAPH_MODE)
    head = RetinaHead(HeadConfig(num_classes=4))
    feats = (Tensor(np.random.randn(1, 256, 8, 8), ms.float32), Tensor(np.random.randn(1, 256, 4, 4), ms.float32))
    cls_out, box_out = head(feats)
    anchors = [Tensor(np.random.rand(o.shape[1], 4) * 64, ms.float32) for o in box_out]
    post = PostProcess(HeadConfig(num_classes=4))
    print(post([c[0] for c in cls_out], [b[0] for b in box_out], anchors)[0].shape)
