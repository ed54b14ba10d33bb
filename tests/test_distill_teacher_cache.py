"""The teacher cache: logits equal the teacher's, reused from disk, invalidated by new weights, flip-aware."""
import torch

from labml_nn_distill.dataset import ImageData
from labml_nn_distill.large import MnistTeacher
from labml_nn_distill.engineering.teacher_cache import (cache_is_exact, cached_teacher_outputs, teacher_logits_of,
                                                        teacher_outputs)
from labml_nn_distill.engineering.runs import use_logs_dir
from labml_nn_distill.train import TrainConfigs, batch_loss


def tiny_data(flip: bool = False, n: int = 48) -> ImageData:
    """Random digit-shaped images; `flip` makes it flip like CIFAR-10."""
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(n, 1, 28, 28, generator=generator)
    labels = torch.randint(0, 10, (n,), generator=generator)
    return ImageData('tiny', images, labels, images[:8], labels[:8], mean=(0.1307,), std=(0.3081,),
                     max_shift=2, flip=flip)


def teacher_with_counter() -> tuple[MnistTeacher, list]:
    """A teacher whose forward passes are counted."""
    torch.manual_seed(0)
    teacher = MnistTeacher()
    calls = []
    teacher.register_forward_hook(lambda module, inputs, output: calls.append(len(inputs[0])))
    return teacher, calls


@torch.inference_mode()
def teacher_logits(teacher, data, images):
    teacher.eval()
    return teacher(data.normalize(images))


def test_cached_logits_equal_the_teachers_outputs(tmp_path):
    data = tiny_data()
    teacher, _ = teacher_with_counter()
    cached = cached_teacher_outputs(teacher, data, augment=False, cache_dir=tmp_path)
    assert cached.shape == (1, len(data.train_labels), 10)
    torch.testing.assert_close(cached[0], teacher_logits(teacher, data, data.train_images), rtol=0, atol=0)


def test_per_batch_and_cached_paths_give_the_same_loss_without_augmentation(tmp_path):
    data = tiny_data()
    teacher, _ = teacher_with_counter()
    cached = cached_teacher_outputs(teacher, data, augment=False, cache_dir=tmp_path)
    indices = torch.arange(len(data.train_labels))
    inputs = data.normalize(data.train_images)
    student_logits = torch.randn(len(indices), 10, requires_grad=True)
    configs = TrainConfigs()
    per_batch = teacher_outputs(teacher, data, False, 'per-batch')(inputs, indices, None)
    from_cache = teacher_logits_of(cached, indices)
    assert torch.equal(batch_loss(student_logits, data.train_labels, per_batch, configs),
                       batch_loss(student_logits, data.train_labels, from_cache, configs))


def test_cache_is_reused_on_a_second_call_without_running_the_teacher(tmp_path):
    data = tiny_data()
    teacher, calls = teacher_with_counter()
    first = cached_teacher_outputs(teacher, data, augment=False, batch_size=16, cache_dir=tmp_path)
    assert sum(calls) == len(data.train_labels) and len(list(tmp_path.glob('*.pt'))) == 1
    calls.clear()
    second = cached_teacher_outputs(teacher, data, augment=False, batch_size=16, cache_dir=tmp_path)
    assert calls == [] and torch.equal(first, second)


def test_cache_is_invalidated_when_the_teacher_weights_change(tmp_path):
    data = tiny_data()
    teacher, calls = teacher_with_counter()
    first = cached_teacher_outputs(teacher, data, augment=False, cache_dir=tmp_path)
    with torch.no_grad():
        teacher.classifier[-1].bias.add_(1.0)
    calls.clear()
    second = cached_teacher_outputs(teacher, data, augment=False, cache_dir=tmp_path)
    assert sum(calls) == len(data.train_labels) and len(list(tmp_path.glob('*.pt'))) == 2
    torch.testing.assert_close(second, first + 1.0)


def test_cache_is_invalidated_when_the_training_images_change(tmp_path):
    teacher, calls = teacher_with_counter()
    cached_teacher_outputs(teacher, tiny_data(n=48), augment=False, cache_dir=tmp_path)
    calls.clear()
    cached_teacher_outputs(teacher, tiny_data(n=40), augment=False, cache_dir=tmp_path)
    assert sum(calls) == 40


def test_a_corrupt_cache_file_is_computed_again(tmp_path):
    data = tiny_data()
    teacher, calls = teacher_with_counter()
    first = cached_teacher_outputs(teacher, data, augment=False, cache_dir=tmp_path)
    path, = tmp_path.glob('*.pt')
    path.write_bytes(b'not a cache')
    calls.clear()
    assert torch.equal(cached_teacher_outputs(teacher, data, augment=False, cache_dir=tmp_path), first)
    assert sum(calls) == len(data.train_labels)


def test_flip_aware_cache_matches_the_teacher_on_flipped_inputs(tmp_path):
    data = tiny_data(flip=True)
    teacher, calls = teacher_with_counter()
    cached = cached_teacher_outputs(teacher, data, augment=True, cache_dir=tmp_path)
    # Once per flip: two passes over the transfer set
    assert cached.shape[0] == 2 and sum(calls) == 2 * len(data.train_labels)
    # A batch with some images mirrored reads the mirrored view for those
    indices = torch.tensor([5, 0, 17, 3])
    flipped = torch.tensor([True, False, True, False])
    images = data.train_images[indices]
    images = torch.where(flipped[:, None, None, None], images.flip(-1), images)
    torch.testing.assert_close(teacher_logits_of(cached, indices, flipped),
                               teacher_logits(teacher, data, images), rtol=1e-5, atol=1e-5)


def test_augment_reports_which_images_it_flipped():
    data = tiny_data(flip=True)
    data.max_shift = 0
    images = data.train_images[:16]
    augmented, flipped = data.augment(images, torch.Generator().manual_seed(3))
    assert flipped.dtype == torch.bool and 0 < flipped.sum() < 16
    assert torch.equal(augmented[flipped], images[flipped].flip(-1))
    assert torch.equal(augmented[~flipped], images[~flipped])


def test_the_cached_path_reads_the_view_that_augmentation_flipped(tmp_path):
    # The cache file goes to the logs folder's teacher_cache/
    use_logs_dir(tmp_path)
    data = tiny_data(flip=True)
    data.max_shift = 0
    teacher, _ = teacher_with_counter()
    indices = torch.arange(16)
    augmented, flipped = data.augment(data.train_images[indices], torch.Generator().manual_seed(3))
    inputs = data.normalize(augmented)
    cached = teacher_outputs(teacher, data, True, 'cached')
    per_batch = teacher_outputs(teacher, data, True, 'per-batch')
    torch.testing.assert_close(cached(inputs, indices, flipped), per_batch(inputs, indices, flipped),
                               rtol=1e-5, atol=1e-5)
    assert len(list((tmp_path / 'teacher_cache').glob('*.pt'))) == 1


def test_cache_is_exact_only_without_random_shifts():
    assert cache_is_exact(tiny_data(), augment=False)
    assert not cache_is_exact(tiny_data(flip=True), augment=True)
    no_shift = tiny_data(flip=True)
    no_shift.max_shift = 0
    assert cache_is_exact(no_shift, augment=True)
