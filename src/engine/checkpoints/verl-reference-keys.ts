/**
 * The reference trainer's Hydra config keys, as read from kfq20/InfoPO at REFERENCE_COMMIT:
 * verl/trainer/config/ppo_trainer.yaml merged with examples/sglang_multiturn/config/grpo_multiturn.yaml
 * (defaults: ppo_trainer, then _self_), leaf keys of the sections an export can set (the critic's,
 * the reward model's and ray_init's are not listed). A key the export emits must be one of them, or
 * be absent from both files and carry Hydra's '+' (append): the test in verl-export.test.ts pins this.
 * Re-read the two files when the reference moves, and change the commit with the list.
 */
export const REFERENCE_COMMIT = 'c26e93c26d7ff0b965a9b4e32bc6f298228b59d7';

const prefixed = (prefix: string, keys: string): string[] => keys.trim().split(/\s+/).map((k) => `${prefix}.${k}`);

export const REFERENCE_KEYS: readonly string[] = [
  ...prefixed('data', `tokenizer use_shm train_files val_files prompt_key reward_fn_key max_prompt_length max_response_length train_batch_size
    val_batch_size return_raw_input_ids return_raw_chat return_full_prompt shuffle seed validation_shuffle filter_overlong_prompts
    filter_overlong_prompts_workers truncation image_key video_key trust_remote_code custom_cls.path custom_cls.name`),
  'actor_rollout_ref.hybrid_engine',
  ...prefixed('actor_rollout_ref.model', `path use_shm external_lib override_config enable_gradient_checkpointing enable_activation_offload
    use_remove_padding lora_rank lora_alpha target_modules use_liger use_fused_kernels fused_kernel_options.impl_backend trust_remote_code`),
  ...prefixed('actor_rollout_ref.actor', `strategy ppo_mini_batch_size ppo_micro_batch_size ppo_micro_batch_size_per_gpu use_dynamic_bsz
    ppo_max_token_len_per_gpu grad_clip clip_ratio clip_ratio_low clip_ratio_high clip_ratio_c loss_agg_mode entropy_coeff use_kl_loss
    use_torch_compile kl_loss_coef kl_loss_type ppo_epochs shuffle ulysses_sequence_parallel_size entropy_from_logits_with_chunking
    entropy_checkpointing checkpoint.contents optim.lr optim.lr_warmup_steps optim.lr_warmup_steps_ratio optim.min_lr_ratio optim.num_cycles
    optim.warmup_style optim.total_training_steps optim.weight_decay fsdp_config.wrap_policy.min_num_params fsdp_config.param_offload
    fsdp_config.optimizer_offload fsdp_config.offload_policy fsdp_config.reshard_after_forward fsdp_config.fsdp_size fsdp_config.forward_prefetch`),
  ...prefixed('actor_rollout_ref.ref', `strategy fsdp_config.param_offload fsdp_config.reshard_after_forward fsdp_config.forward_prefetch
    fsdp_config.wrap_policy.min_num_params use_torch_compile log_prob_micro_batch_size log_prob_micro_batch_size_per_gpu log_prob_use_dynamic_bsz
    log_prob_max_token_len_per_gpu ulysses_sequence_parallel_size entropy_from_logits_with_chunking entropy_checkpointing`),
  ...prefixed('actor_rollout_ref.rollout', `name mode temperature top_k top_p use_fire_sampling prompt_length response_length
    response_length_one_turn dtype gpu_memory_utilization ignore_eos enforce_eager free_cache_engine load_format layered_summon
    tensor_model_parallel_size max_num_batched_tokens max_model_len max_num_seqs log_prob_micro_batch_size log_prob_micro_batch_size_per_gpu
    log_prob_use_dynamic_bsz log_prob_max_token_len_per_gpu disable_log_stats enable_chunked_prefill do_sample n
    engine_kwargs.vllm.swap_space engine_kwargs.sglang.attention_backend val_kwargs.top_k val_kwargs.top_p val_kwargs.temperature val_kwargs.n
    val_kwargs.do_sample multi_turn.enable multi_turn.max_turns multi_turn.tool_config_path multi_turn.completion_callback
    multi_turn.use_inference_chat_template multi_turn.enable_tokenization_sanity_check multi_turn.model_name multi_turn.turn_level_method
    multi_turn.trajectory_score_method`),
  ...prefixed('algorithm', `gamma lam adv_estimator norm_adv_by_std_in_grpo use_kl_in_reward kl_penalty kl_ctrl.type kl_ctrl.kl_coef
    kl_ctrl.horizon kl_ctrl.target_kl use_pf_ppo pf_ppo.reweight_method pf_ppo.weight_pow use_intrinsic_reward action_credit_ratio
    intrinsic_reward.intrinsic_weight intrinsic_reward.observation_placeholder intrinsic_reward.intrinsic_decay_rate
    intrinsic_reward.normalize_intrinsic intrinsic_reward.collect_mask_sensitivity_stats intrinsic_reward.intrinsic_kl_batch_size
    intrinsic_reward.use_intrinsic_only intrinsic_reward.intrinsic_gate_temperature intrinsic_reward.advantage_weight_clip
    intrinsic_reward.advantage_weight_threshold intrinsic_reward.debug intrinsic_reward.use_free_generation
    intrinsic_reward.generation_config.temperature intrinsic_reward.generation_config.do_sample intrinsic_reward.generation_config.eos_token_id`),
  ...prefixed('ragen.rollout_filter', 'enable ratio filter_type metric'),
  ...prefixed('trainer', `balance_batch total_epochs total_training_steps project_name experiment_name logger log_val_generations rollout_data_dir
    validation_data_dir nnodes n_gpus_per_node save_freq resume_mode resume_from_path val_before_train test_freq critic_warmup default_hdfs_dir
    del_local_ckpt_after_load default_local_dir max_actor_ckpt_to_keep max_critic_ckpt_to_keep ray_wait_register_center_timeout device`),
];

/**
 * Keys the reference reads with config.get() but neither yaml defines: Hydra needs '+' to add them.
 * training_temperature: the multi-turn rollout's sampling temperature in training
 * (workers/rollout/sglang_rollout/sglang_rollout_customized.py, _handle_engine_call).
 */
export const REFERENCE_APPEND_KEYS: readonly string[] = ['actor_rollout_ref.rollout.training_temperature'];
