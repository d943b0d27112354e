"""RetinaNet-style detection head and post-processing.

Classification and box-regression towers run over every FPN level; `postprocess` turns raw outputs
into at most `detections_per_image` boxes per image: score threshold, top-k per level, decode, NMS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torchvision
from torchvision.ops import batched_nms, box_iou


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


def make_tower(channels: int, num_convs: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for _ in range(num_convs):
        layers.append(nn.Conv2d(channels, channels, kernel_size=3, stride=1, padding=1))
        layers.append(nn.GroupNorm(32, channels))
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class BoxCoder:
    """Encodes boxes as (dx, dy, dw, dh) offsets from anchors, and back."""

    def __init__(self, weights: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0), clip: float = 4.135):
        self.weights = weights
        self.clip = clip

    def decode(self, deltas: torch.Tensor, anchors: torch.Tensor) -> torch.Tensor:
        widths = anchors[:, 2] - anchors[:, 0]
        heights = anchors[:, 3] - anchors[:, 1]
        ctr_x = anchors[:, 0] + 0.5 * widths
        ctr_y = anchors[:, 1] + 0.5 * heights
        wx, wy, ww, wh = self.weights
        dx = deltas[:, 0] / wx
        dy = deltas[:, 1] / wy
        dw = torch.clamp(deltas[:, 2] / ww, max=self.clip)
        dh = torch.clamp(deltas[:, 3] / wh, max=self.clip)
        pred_ctr_x = dx * widths + ctr_x
        pred_ctr_y = dy * heights + ctr_y
        pred_w = torch.exp(dw) * widths
        pred_h = torch.exp(dh) * heights
        return torch.stack(
            (pred_ctr_x - 0.5 * pred_w, pred_ctr_y - 0.5 * pred_h, pred_ctr_x + 0.5 * pred_w, pred_ctr_y + 0.5 * pred_h),
            dim=1,
        )


class RetinaHead(nn.Module):
    def __init__(self, config: HeadConfig) -> None:
        super().__init__()
        self.config = config
        self.cls_tower = make_tower(config.in_channels, config.num_convs)
        self.box_tower = make_tower(config.in_channels, config.num_convs)
        self.cls_logits = nn.Conv2d(config.in_channels, config.num_anchors * config.num_classes, 3, padding=1)
        self.bbox_pred = nn.Conv2d(config.in_channels, config.num_anchors * 4, 3, padding=1)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.normal_(module.weight, std=0.01)
                nn.init.constant_(module.bias, 0)
        # Start with every anchor predicting background with probability 1 - prior (Lin et al., 2017).
        bias_value = -math.log((1 - config.prior_probability) / config.prior_probability)
        nn.init.constant_(self.cls_logits.bias, bias_value)
        self.box_coder = BoxCoder(clip=config.bbox_clip)

    def forward(self, features: list[torch.Tensor]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        cls_outputs, box_outputs = [], []
        for feature in features:
            batch, _, height, width = feature.shape
            cls = self.cls_logits(self.cls_tower(feature))
            box = self.bbox_pred(self.box_tower(feature))
            # (B, A*K, H, W) -> (B, H*W*A, K)
            cls = cls.view(batch, -1, self.config.num_classes, height, width).permute(0, 3, 4, 1, 2)
            box = box.view(batch, -1, 4, height, width).permute(0, 3, 4, 1, 2)
            cls_outputs.append(cls.reshape(batch, -1, self.config.num_classes))
            box_outputs.append(box.reshape(batch, -1, 4))
        return cls_outputs, box_outputs

    @torch.no_grad()
    def postprocess(
        self, cls_outputs: list[torch.Tensor], box_outputs: list[torch.Tensor], anchors: list[torch.Tensor],
        image_size: tuple[int, int],
    ) -> list[dict[str, torch.Tensor]]:
        results = []
        num_images = cls_outputs[0].shape[0]
        for index in range(num_images):
            all_boxes, all_scores, all_labels = [], [], []
            for cls_level, box_level, anchors_level in zip(cls_outputs, box_outputs, anchors):
                scores = torch.sigmoid(cls_level[index]).flatten()
                keep = scores > self.config.score_thresh
                scores = scores[keep]
                candidate_ids = torch.nonzero(keep).squeeze(1)

                num_topk = min(self.config.topk_candidates, candidate_ids.size(0))
                scores, order = scores.topk(num_topk)
                candidate_ids = candidate_ids[order]

                anchor_ids = torch.div(candidate_ids, self.config.num_classes, rounding_mode="floor")
                labels = candidate_ids % self.config.num_classes
                boxes = self.box_coder.decode(box_level[index][anchor_ids], anchors_level[anchor_ids])
                boxes = torchvision.ops.clip_boxes_to_image(boxes, image_size)
                all_boxes.append(boxes)
                all_scores.append(scores)
                all_labels.append(labels)

            boxes = torch.cat(all_boxes)
            scores = torch.cat(all_scores)
            labels = torch.cat(all_labels)
            keep = batched_nms(boxes, scores, labels, self.config.nms_thresh)
            keep = keep[: self.config.detections_per_image]
            results.append({"boxes": boxes[keep], "scores": scores[keep], "labels": labels[keep]})
        return results


def match_anchors(anchors: torch.Tensor, gt_boxes: torch.Tensor, fg_iou: float = 0.5, bg_iou: float = 0.4) -> torch.Tensor:
    """Index of the matched ground-truth box per anchor; -1 background, -2 ignored."""
    if gt_boxes.numel() == 0:
        return torch.full((anchors.shape[0],), -1, dtype=torch.long)
    iou = box_iou(gt_boxes, anchors)
    best_iou, matched = iou.max(dim=0)
    matched[best_iou < bg_iou] = -1
    matched[(best_iou >= bg_iou) & (best_iou < fg_iou)] = -2
    # Every ground-truth box keeps at least its best anchor, even below the threshold.
    best_for_gt, _ = iou.max(dim=1)
    gt_ids, anchor_ids = torch.where(iou == best_for_gt[:, None])
    matched[anchor_ids] = gt_ids
    return matched


def sigmoid_focal_loss(logits: torch.Tensor, targets: torch.Tensor, alpha: float = 0.25, gamma: float = 2.0) -> torch.Tensor:
    p = torch.sigmoid(logits)
    ce = nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
    return (alpha_t * loss).sum()


def build_backbone(pretrained: bool = True) -> nn.Module:
    """ResNet-50 trunk without its classifier; the FPN is attached by the caller."""
    backbone = torchvision.models.resnet50(pretrained=pretrained)
    return nn.Sequential(*list(backbone.children())[:-2])


if __name__ == "__main__":
    head = RetinaHead(HeadConfig(num_classes=4))
    feats = [torch.randn(1, 256, 8, 8), torch.randn(1, 256, 4, 4)]
    cls_out, box_out = head(feats)
    anchors = [torch.rand(o.shape[1], 4) * 64 for o in box_out]
    print(head.postprocess(cls_out, box_out, anchors, (64, 64))[0]["boxes"].shape)
