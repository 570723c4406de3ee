"""torchvision.models: ResNet-18/34/50, VGG-11/16 (and _bn), AlexNet, MobileNetV2 with torchvision's state_dict
keys and shapes. No pretrained download: weights= takes the path of a local checkpoint file."""
from .mobilenetv2 import MobileNetV2, mobilenet_v2
from .resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50
from .vgg import VGG, AlexNet, alexnet, vgg11, vgg11_bn, vgg16, vgg16_bn

__all__ = ['ResNet', 'BasicBlock', 'Bottleneck', 'resnet18', 'resnet34', 'resnet50', 'VGG', 'vgg11', 'vgg11_bn',
           'vgg16', 'vgg16_bn', 'AlexNet', 'alexnet', 'MobileNetV2', 'mobilenet_v2']
